#pragma once
// A latency histogram with fixed buckets, recorded with two relaxed atomic
// adds: no lock, no allocation, cheap enough for every request. Values are
// whole microseconds; the exposition turns them into seconds.
#include <array>
#include <atomic>
#include <cstdint>

namespace latchkey::metrics {

// Upper bounds of the buckets, in microseconds: 50 µs to 10 s. An argon2id
// login (~50 ms) and a /protected hit (~50 µs) both land mid-range.
inline constexpr std::array<std::uint64_t, 17> kLatencyBoundsMicros = {
    50,      100,     250,     500,       1'000,     2'500,     5'000,     10'000,    25'000,
    50'000,  100'000, 250'000, 500'000,   1'000'000, 2'500'000, 5'000'000, 10'000'000};

class Histogram {
 public:
  static constexpr std::size_t kBounds = kLatencyBoundsMicros.size();

  void observe(std::uint64_t micros) noexcept {
    std::size_t i = 0;
    while (i < kBounds && micros > kLatencyBoundsMicros[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(micros, std::memory_order_relaxed);
  }

  // Cumulative counts per bound, the last being +Inf (= the count). Read
  // while others record: each bucket is exact, the sum may lag a little.
  struct Snapshot {
    std::array<std::uint64_t, kBounds + 1> cumulative{};
    std::uint64_t sum_micros = 0;
    std::uint64_t count() const { return cumulative.back(); }
  };
  Snapshot snapshot() const noexcept {
    Snapshot s;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= kBounds; ++i) {
      running += buckets_[i].load(std::memory_order_relaxed);
      s.cumulative[i] = running;
    }
    s.sum_micros = sum_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  // Per bucket, not cumulative: one add per observation.
  std::array<std::atomic<std::uint64_t>, kBounds + 1> buckets_{};
  std::atomic<std::uint64_t> sum_{0};
};

}  // namespace latchkey::metrics
