#pragma once
// The counter behind every abuse limit (abuse/limits.hpp), and the one rule
// by which an event changes it. The rule is code, here, so that every
// implementation (the in-process counters, each database's LimitStore, the
// test fake) is checked against the same thing.
//
// A counter counts events on one key (a limit and a subject: an IP, an
// account, an account from an IP) within a window. While it is locked an
// event changes nothing (it does not count again); past `free` events in a
// window, each further one locks it:
//  - for `lock_base` doubling with each further event, up to `lock_max`
//    (password guessing: 30 s, 1 min, 2 min... 15 min), or
//  - when lock_base is 0, until the window ends (a rate: 600 a minute).
// The window starts with the first event; a `sliding` window restarts with
// every event instead, so a counter forgets only after `window` of quiet.
// A counter whose window is over and that is not locked is as good as
// absent (zero).
#include <cstdint>
#include <string>
#include <string_view>

#include "util/time.hpp"

namespace latchkey::store {

struct LimitPolicy {
  std::uint32_t free = 0;    // events that cost nothing, per window
  UnixSeconds window = 60;   // > 0
  UnixSeconds lock_base = 0;  // 0: locked until the window ends
  UnixSeconds lock_max = 0;   // the longest lock when lock_base > 0
  bool sliding = false;
};

// What a counter counts: a limit's name ("login_ip") and its subject. Empty
// parts are part of the key; listing and clearing go by account and IP.
struct LimitKey {
  std::string limit;
  std::string account;  // a username key, or empty
  std::string ip;       // a client address, or empty
  bool operator==(const LimitKey&) const = default;
};

struct LimitCounter {
  std::int64_t count = 0;
  UnixSeconds window_start = 0;
  UnixSeconds locked_until = 0;
  bool operator==(const LimitCounter&) const = default;

  bool locked(UnixSeconds now) const { return locked_until > now; }
  // Whole seconds until the lock ends (0 when not locked).
  UnixSeconds retry_after(UnixSeconds now) const { return locked(now) ? locked_until - now : 0; }
};

// The counter as it stands at `now`: zero once its window is over and no
// lock holds it.
LimitCounter current(const LimitCounter& c, const LimitPolicy& p, UnixSeconds now);

// One event at `now`. False, and `c` unchanged, when `c` is locked at `now`
// (the event does not count). Otherwise counts it, and locks when it is past
// the free ones.
bool hit(LimitCounter& c, const LimitPolicy& p, UnixSeconds now);

// One event on a key, with the policy it is counted under.
struct LimitEvent {
  LimitKey key;
  LimitPolicy policy;
};

// A stored counter with its key (listing).
struct LimitRow {
  LimitKey key;
  LimitCounter counter;
};

}  // namespace latchkey::store
