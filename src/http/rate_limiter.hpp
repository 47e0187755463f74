#pragma once
// Token buckets keyed by a string (a client IP): `per_minute` tokens a
// minute, at most `burst` saved up. In memory, per instance; bounded by
// forgetting buckets that have refilled.
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace latchkey::http {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // per_minute == 0 disables the limit.
  RateLimiter(double per_minute, double burst);

  // 0 when the request may go (a token is taken), otherwise the whole
  // seconds until a token will be there (for Retry-After).
  long acquire(std::string_view key, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void prune(Clock::time_point now);

  double per_second_;
  double burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket, Hash, std::equal_to<>> buckets_;
};

}  // namespace latchkey::http
