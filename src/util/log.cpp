#include "util/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <condition_variable>
#include <thread>
#include <cerrno>
#include <unistd.h>
#include <string>

#include "util/json_escape.hpp"

namespace latchkey::log {
namespace {

std::atomic<Format> g_format{isatty(STDERR_FILENO) ? Format::text : Format::json};
std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;

std::string_view level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

void append_value(std::string& out, const Value& v, bool json) {
  if (auto s = std::get_if<std::string_view>(&v)) {
    if (json) append_json_string(out, *s);
    else out += *s;
  } else if (auto i = std::get_if<std::int64_t>(&v)) {
    out += std::to_string(*i);
  } else if (auto d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", *d);
    out += buf;
  } else {
    out += std::get<bool>(v) ? "true" : "false";
  }
}

void append_timestamp(std::string& out) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t tt = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  n += static_cast<std::size_t>(std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms)));
  out.append(buf, n);
}

// Lines waiting for the flusher (buffered mode), guarded by g_mutex.
std::string g_pending;
constexpr std::size_t kFlushBytes = 64 * 1024;
bool g_buffered = false;  // guarded by g_mutex
std::thread g_flusher;
std::condition_variable g_flusher_wake;
bool g_flusher_stop = false;  // guarded by g_mutex

void write_all(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: drop rather than block the server
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// With g_mutex held.
void flush_pending() {
  write_all(g_pending);
  g_pending.clear();
}

}  // namespace

void set_format(Format f) { g_format = f; }
void set_level(Level l) { g_level = l; }
bool enabled(Level l) { return l >= g_level.load(std::memory_order_relaxed); }

void write(Level l, std::string_view event, std::initializer_list<Field> fields) {
  write(l, event, std::span<const Field>(fields.begin(), fields.size()));
}

void write(Level l, std::string_view event, std::span<const Field> fields) {
  if (!enabled(l)) return;
  const bool json = g_format.load(std::memory_order_relaxed) == Format::json;
  // Reused per thread: a log line costs no allocation once warmed up.
  thread_local std::string line;
  line.clear();
  if (json) {
    line += "{\"ts\":\"";
    append_timestamp(line);
    line += "\",\"level\":\"";
    line += level_name(l);
    line += "\",\"event\":";
    append_json_string(line, event);
    for (const auto& [k, v] : fields) {
      line += ',';
      append_json_string(line, k);
      line += ':';
      append_value(line, v, true);
    }
    line += "}\n";
  } else {
    append_timestamp(line);
    line += ' ';
    line += level_name(l);
    line += ' ';
    line += event;
    for (const auto& [k, v] : fields) {
      line += ' ';
      line += k;
      line += '=';
      append_value(line, v, false);
    }
    line += '\n';
  }
  std::lock_guard lock(g_mutex);
  g_pending += line;
  // Warnings and errors go out at once; so does everything when unbuffered.
  if (!g_buffered || l >= Level::warn || g_pending.size() >= kFlushBytes) flush_pending();
}

void start_buffering(std::chrono::milliseconds interval) {
  std::lock_guard lock(g_mutex);
  if (g_buffered) return;
  g_buffered = true;
  g_flusher_stop = false;
  g_flusher = std::thread([interval] {
    std::unique_lock held(g_mutex);
    while (!g_flusher_wake.wait_for(held, interval, [] { return g_flusher_stop; })) {
      if (!g_pending.empty()) flush_pending();
    }
  });
}

void stop_buffering() {
  {
    std::lock_guard lock(g_mutex);
    if (!g_buffered) return;
    g_flusher_stop = true;
    g_buffered = false;
    flush_pending();
  }
  g_flusher_wake.notify_all();
  g_flusher.join();
}

void exception(std::string_view event, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    write(Level::error, event, {{"what", std::string_view(ex.what())}});
  } catch (...) {
    write(Level::error, event, {{"what", "unknown exception"}});
  }
}

}  // namespace latchkey::log
