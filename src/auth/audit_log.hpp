#pragma once
// The audit trail's writer. Events of the request path (logins, logouts,
// refresh reuse, ...) are queued in memory by record(), which never blocks
// on the database, and written in batches by flush() on the worker pool
// (every 250 ms while serving, and at stop): an audit write adds no latency
// to a login and can never fail it. Administration events are written at
// once by write_now(). A failed write is logged and counted; a database
// that is unavailable keeps the queue (bounded) for the next flush.
// Never give it a password or a token.
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "store/store.hpp"

namespace latchkey::auth {

// What the caller knows of an event; the rest (username from user_id, the
// username key) is filled in when it is written.
struct AuditRecord {
  std::string_view event = {};
  std::string_view actor = "user";
  std::string_view user_id = {};
  std::string_view username = {};
  std::string_view session_id = {};
  std::string_view ip = {};
  std::string_view user_agent = {};
  std::string detail = {};  // a JSON object, or empty
};

// {"key": value, ...} as JSON text, for AuditRecord::detail.
using DetailValue = std::variant<std::string_view, std::int64_t, bool>;
std::string audit_detail(std::initializer_list<std::pair<std::string_view, DetailValue>> fields);

struct AuditCounters {
  std::atomic<std::uint64_t> recorded{0};
  std::atomic<std::uint64_t> written{0};
  std::atomic<std::uint64_t> write_failures{0};  // failed store writes (each may hold many events)
  std::atomic<std::uint64_t> dropped{0};         // events lost: queue full, or refused by the store
};

class AuditLog {
 public:
  explicit AuditLog(store::Store& store, std::size_t max_queued = 10000);

  // Non-blocking: queued for the next flush. When the queue is full the
  // event is dropped (counted and logged), never waited for.
  void record(const AuditRecord& r);
  // Blocking: writes the queued events in one transaction; returns how many.
  std::size_t flush();
  // Blocking: writes one event at once; false when that failed (logged, counted).
  bool write_now(const AuditRecord& r);

  const AuditCounters& counters() const { return counters_; }
  std::size_t queued() const;

 private:
  store::AuditEvent make(const AuditRecord& r) const;
  void enqueue(store::AuditEvent e);
  void keep(std::vector<store::AuditEvent> batch);  // back to the front of the queue
  void complete(std::vector<store::AuditEvent>& events);  // blocking (store)

  store::Store& store_;
  std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::vector<store::AuditEvent> queue_;
  std::mutex flush_mutex_;  // held by the flush under way
  AuditCounters counters_;
};

}  // namespace latchkey::auth
