#include "http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace latchkey::http {

namespace {
constexpr std::size_t kPruneAbove = 50'000;
}

RateLimiter::RateLimiter(double per_minute, double burst)
    : per_second_(per_minute / 60.0), burst_(std::max(1.0, burst)) {}

long RateLimiter::acquire(std::string_view key, Clock::time_point now) {
  if (per_second_ <= 0) return 0;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kPruneAbove) prune(now);
    it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
  b.last = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max(1L, static_cast<long>(std::ceil((1.0 - b.tokens) / per_second_)));
}

void RateLimiter::prune(Clock::time_point now) {
  // A bucket that would be full again carries no information.
  std::erase_if(buckets_, [&](const auto& e) {
    const double elapsed = std::chrono::duration<double>(now - e.second.last).count();
    return e.second.tokens + elapsed * per_second_ >= burst_;
  });
}

}  // namespace latchkey::http
