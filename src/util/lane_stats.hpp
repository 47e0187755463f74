#pragma once
// Admission and counters shared by the two kinds of worker lane (a pool of
// threads, WorkerLane; one thread running batches, BatchLane): a lane holds at
// most `max_pending` jobs, queued or running, and refuses the rest at once.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "metrics/histogram.hpp"

namespace latchkey {

class LaneStats {
 public:
  explicit LaneStats(std::size_t max_pending) : max_pending_(max_pending) {}

  // Jobs queued or running.
  std::size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  // Jobs on a worker thread right now.
  std::size_t running() const { return running_.load(std::memory_order_relaxed); }
  std::size_t max_pending() const { return max_pending_; }
  // Jobs refused because the lane was full (each one a 503).
  std::uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }
  // How long jobs waited for a worker.
  const metrics::Histogram& wait_time() const { return wait_; }

 protected:
  // Holds a place in the lane for one job, or none when the lane is full.
  class Admission {
   public:
    explicit Admission(LaneStats& lane) : lane_(lane) {
      if (lane_.pending_.fetch_add(1, std::memory_order_relaxed) < lane_.max_pending_) {
        admitted_ = true;
        return;
      }
      lane_.pending_.fetch_sub(1, std::memory_order_relaxed);
      lane_.rejected_.fetch_add(1, std::memory_order_relaxed);
    }
    ~Admission() {
      if (admitted_) lane_.pending_.fetch_sub(1, std::memory_order_relaxed);
    }
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;
    explicit operator bool() const { return admitted_; }

   private:
    LaneStats& lane_;
    bool admitted_ = false;
  };

  // Counts a job as running from its start on a worker to its end.
  class Running {
   public:
    Running(LaneStats& lane, std::chrono::steady_clock::time_point queued) : lane_(lane) {
      const auto waited = std::chrono::steady_clock::now() - queued;
      lane_.wait_.observe(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(waited).count()));
      lane_.running_.fetch_add(1, std::memory_order_relaxed);
    }
    ~Running() { lane_.running_.fetch_sub(1, std::memory_order_relaxed); }
    Running(const Running&) = delete;
    Running& operator=(const Running&) = delete;

   private:
    LaneStats& lane_;
  };

 private:
  std::size_t max_pending_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<std::size_t> running_{0};
  std::atomic<std::uint64_t> rejected_{0};
  metrics::Histogram wait_;
};

}  // namespace latchkey
