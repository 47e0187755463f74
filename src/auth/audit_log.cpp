#include "auth/audit_log.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <unordered_map>

#include "auth/username.hpp"
#include "crypto/random.hpp"
#include "util/log.hpp"
#include "util/utf8.hpp"

namespace latchkey::auth {

namespace {

// Bounds on what a client controls (headers, attempted usernames).
constexpr std::size_t kMaxName = 256;
constexpr std::size_t kMaxUserAgent = 512;
constexpr std::size_t kMaxIp = 64;
constexpr std::size_t kMaxId = 128;

std::int64_t now_micros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string audit_detail(std::initializer_list<std::pair<std::string_view, DetailValue>> fields) {
  boost::json::object o;
  for (const auto& [k, v] : fields) {
    std::visit([&, key = k](const auto& x) { o[key] = x; }, v);
  }
  return boost::json::serialize(o);
}

AuditLog::AuditLog(store::Store& store, std::size_t max_queued) : store_(store), max_queued_(max_queued) {}

store::AuditEvent AuditLog::make(const AuditRecord& r) const {
  store::AuditEvent e;
  e.id = crypto::time_ordered_token(6);  // 16 characters, as before
  e.seq = now_micros();
  e.at = e.seq / 1'000'000;
  e.event = std::string(r.event);
  e.actor = std::string(r.actor);
  e.user_id = sanitize_utf8(r.user_id, kMaxId);
  e.username = sanitize_utf8(r.username, kMaxName);
  e.session_id = sanitize_utf8(r.session_id, kMaxId);
  e.ip = sanitize_utf8(r.ip, kMaxIp);
  e.user_agent = sanitize_utf8(r.user_agent, kMaxUserAgent);
  e.detail = r.detail.empty() ? "{}" : r.detail;
  return e;
}

void AuditLog::record(const AuditRecord& r) {
  // Queued only if the write it tells of is committed (see Store::after_commit).
  store_.database().after_commit([this, e = make(r)](bool committed) mutable {
    if (committed) enqueue(std::move(e));
  });
}

void AuditLog::enqueue(store::AuditEvent e) {
  ++counters_.recorded;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() < max_queued_) {
      queue_.push_back(std::move(e));
      return;
    }
  }
  // Only when writes have been failing for a while; every 100th is logged.
  if (counters_.dropped.fetch_add(1) % 100 == 0)
    log::warn("audit.dropped", {{"event", std::string_view(e.event)}, {"reason", "queue full"}});
}

std::size_t AuditLog::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void AuditLog::complete(std::vector<store::AuditEvent>& events) {
  std::unordered_map<std::string, std::string> names;  // user id -> username, for this batch
  for (auto& e : events) {
    if (e.username.empty() && !e.user_id.empty()) {
      auto it = names.find(e.user_id);
      if (it == names.end()) {
        auto user = store_.users().find_by_id(e.user_id);
        it = names.emplace(e.user_id, user ? user->username : std::string()).first;
      }
      e.username = it->second;
    }
    if (e.username_key.empty() && !e.username.empty()) {
      auto name = normalize_username(e.username, kMaxName);
      e.username_key = name ? std::move(name->key) : e.username;
    }
  }
}

std::size_t AuditLog::flush() {
  // One flush at a time, in order; a flush that finds another under way
  // leaves its events to the next. (Not waited for: the flush under way may
  // hold the database's writer, whose batch may be what calls this one.)
  std::unique_lock one_at_a_time(flush_mutex_, std::try_to_lock);
  if (!one_at_a_time) return 0;
  std::vector<store::AuditEvent> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queue_);
  }
  if (batch.empty()) return 0;
  complete(batch);
  auto r = store_.audit().append(batch);
  const std::size_t n = batch.size();
  if (r) {
    // Counted once committed; kept for the next flush if the batch it was
    // written in was undone after all.
    store_.database().after_commit([this, batch = std::move(batch)](bool committed) mutable {
      if (committed) {
        counters_.written += batch.size();
        return;
      }
      ++counters_.write_failures;
      keep(std::move(batch));
    });
    return n;
  }
  ++counters_.write_failures;
  log::warn("audit.write_failed", {{"events", static_cast<std::int64_t>(n)},
                                   {"detail", store::describe(r.error())}});
  if (r.error() != store::StoreError::unavailable) {
    counters_.dropped += n;
    return 0;
  }
  keep(std::move(batch));
  return 0;
}

void AuditLog::keep(std::vector<store::AuditEvent> batch) {
  // Kept, oldest first, for the next flush, as far as the bound allows.
  std::lock_guard lock(mutex_);
  const std::size_t room = max_queued_ > queue_.size() ? max_queued_ - queue_.size() : 0;
  if (batch.size() > room) {
    counters_.dropped += batch.size() - room;
    batch.resize(room);
  }
  queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
}

bool AuditLog::write_now(const AuditRecord& r) {
  std::vector<store::AuditEvent> one{make(r)};
  ++counters_.recorded;
  complete(one);
  if (auto w = store_.audit().append(one); !w) {
    ++counters_.write_failures;
    ++counters_.dropped;
    log::warn("audit.write_failed", {{"event", r.event}, {"detail", store::describe(w.error())}});
    return false;
  }
  ++counters_.written;
  return true;
}

}  // namespace latchkey::auth
