#pragma once
// A thread that runs one job every `interval` until stopped: the outboxes'
// senders (back-channel logout deliveries, mail). A thread of its own: each
// run waits on another party's server (bounded by its own timeouts), which
// must hold neither the scheduler (audit flushes every 250 ms) nor a
// database lane (on SQLite, the one thread every write goes through).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace latchkey {

class PeriodicThread {
 public:
  PeriodicThread(std::function<void()> job, std::chrono::milliseconds interval)
      : job_(std::move(job)), interval_(interval) {}
  ~PeriodicThread() { stop(); }
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  void start();
  // Waits for a run under way, then joins. Idempotent.
  void stop();

 private:
  void loop();

  std::function<void()> job_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace latchkey
