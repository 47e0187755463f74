#pragma once
// The wait before the next attempt of something that failed (an outbox's
// message or delivery): base after the first failure, doubling after each,
// at most cap.
#include <algorithm>
#include <cstdint>

#include "util/time.hpp"

namespace latchkey {

// `failures` from 1 up; never overflows.
inline UnixSeconds backoff(std::int64_t failures, UnixSeconds base, UnixSeconds cap) {
  base = std::max<UnixSeconds>(base, 1);
  cap = std::max(cap, base);
  UnixSeconds wait = base;
  for (std::int64_t i = 1; i < failures && wait < cap; ++i) wait *= 2;
  return std::min(wait, cap);
}

}  // namespace latchkey
