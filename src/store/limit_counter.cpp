#include "store/limit_counter.hpp"

#include <algorithm>

namespace latchkey::store {

namespace {
// Doubling stops here: 2^20 times any base is past any sane lock_max.
constexpr std::int64_t kMaxDoublings = 20;

bool expired(const LimitCounter& c, const LimitPolicy& p, UnixSeconds now) {
  return !c.locked(now) && c.window_start + p.window <= now;
}
}  // namespace

LimitCounter current(const LimitCounter& c, const LimitPolicy& p, UnixSeconds now) {
  return expired(c, p, now) ? LimitCounter{} : c;
}

bool hit(LimitCounter& c, const LimitPolicy& p, UnixSeconds now) {
  if (c.locked(now)) return false;
  if (c.count == 0 || expired(c, p, now)) {
    c = LimitCounter{1, now, 0};
  } else {
    ++c.count;
    if (p.sliding) c.window_start = now;
  }
  if (c.count > static_cast<std::int64_t>(p.free)) {
    const UnixSeconds lock =
        p.lock_base == 0
            ? std::max<UnixSeconds>(1, c.window_start + p.window - now)
            : std::min<UnixSeconds>(p.lock_max, p.lock_base << std::min(c.count - p.free - 1, kMaxDoublings));
    c.locked_until = now + lock;
  } else {
    c.locked_until = 0;
  }
  return true;
}

}  // namespace latchkey::store
