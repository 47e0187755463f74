#pragma once
// The counters of the abuse limits, where every instance sees them
// (PostgreSQL: an UNLOGGED table, so counting costs no WAL; SQLite: a table
// the one instance mirrors its failures into, for the CLI). Each event is
// applied atomically by the rule of limit_counter.hpp, so N instances
// counting one key count exactly what one would. Every call blocks and is
// safe from any thread; each is one round trip.
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "store/limit_counter.hpp"
#include "store/result.hpp"

namespace latchkey::store {

// Which stored counters a listing or clearing is about: those of an account
// (every IP), of an IP (every account), or of both; an empty part matches
// any. `limit`, when set, narrows to one limit.
struct LimitFilter {
  std::string account;
  std::string ip;
  std::string limit;
};

class LimitStore {
 public:
  virtual ~LimitStore() = default;

  // One event on each key (distinct keys), as store::hit at `now`, each
  // atomically. For each, in order: the counter after the event, or nullopt
  // when the key was locked at `now` and the event did not count.
  virtual Result<std::vector<std::optional<LimitCounter>>> hit(std::span<const LimitEvent> events,
                                                               UnixSeconds now) = 0;
  // The stored counters of `keys` (a zero counter for an absent one), as
  // they were before the bumps (a bumped key may be read too: its value
  // before the bump); and one event on each of `bumps` (distinct keys),
  // whose results are returned as hit's.
  // For a check that counts a request and reads its locks in one round trip.
  // At most kMaxAdmitBumps bumps and kMaxAdmitReads keys.
  struct Admission {
    std::vector<std::optional<LimitCounter>> bumped;
    std::vector<LimitCounter> read;
  };
  static constexpr std::size_t kMaxAdmitBumps = 2;
  static constexpr std::size_t kMaxAdmitReads = 4;
  virtual Result<Admission> admit(std::span<const LimitEvent> bumps, std::span<const LimitKey> keys,
                                  UnixSeconds now) = 0;
  // Counters locked at `now` that match `filter`, locked longest first.
  virtual Result<std::vector<LimitRow>> locked(const LimitFilter& filter, UnixSeconds now) = 0;
  // Removes the counters matching `filter` (locked or not); at least an
  // account or an IP must be given (else nothing goes). Returns how many went.
  virtual Result<std::size_t> clear(const LimitFilter& filter) = 0;
  // Removes counters neither locked at `now` nor started after `before`
  // (callers pass now minus the longest window): they count nothing.
  virtual Result<std::size_t> prune(UnixSeconds before, UnixSeconds now) = 0;
};

}  // namespace latchkey::store
