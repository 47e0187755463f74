#include "metrics/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace latchkey::metrics {

namespace {

std::string read_file(const char* path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The fields of /proc/self/stat after the command name (which is in
// parentheses and may itself hold spaces): [0] is field 3, the state.
std::vector<std::string> stat_fields() {
  const std::string stat = read_file("/proc/self/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(stat.substr(close + 1));
  return {std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
}

// Field `n` of /proc/self/stat as proc(5) numbers it (utime is 14).
double field(const std::vector<std::string>& f, std::size_t n) {
  return n >= 3 && n - 3 < f.size() ? std::strtod(f[n - 3].c_str(), nullptr) : 0.0;
}

// System boot time, seconds since the epoch (/proc/stat "btime").
double boot_time() {
  std::istringstream in(read_file("/proc/stat"));
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double v = 0;
      in >> v;
      return v;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

void write_process_metrics(TextWriter& out) {
  const auto f = stat_fields();
  if (f.size() < 22) return;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  out.family("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.");
  out.sample("process_cpu_seconds_total", {}, (field(f, 14) + field(f, 15)) / ticks);
  out.family("process_resident_memory_bytes", "gauge", "Resident memory size, in bytes.");
  out.sample("process_resident_memory_bytes", {}, field(f, 24) * page);
  out.family("process_virtual_memory_bytes", "gauge", "Virtual memory size, in bytes.");
  out.sample("process_virtual_memory_bytes", {}, field(f, 23));
  out.family("process_start_time_seconds", "gauge", "Start time of the process since the epoch, in seconds.");
  out.sample("process_start_time_seconds", {}, boot_time() + field(f, 22) / ticks);

  std::error_code ec;
  std::int64_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++fds;
  if (!ec) {
    out.family("process_open_fds", "gauge", "Open file descriptors.");
    out.sample("process_open_fds", {}, fds);
  }
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    out.family("process_max_fds", "gauge", "The limit on open file descriptors.");
    out.sample("process_max_fds", {}, static_cast<double>(lim.rlim_cur));
  }
}

}  // namespace latchkey::metrics
