#include "util/periodic_thread.hpp"

namespace latchkey {

void PeriodicThread::start() { thread_ = std::thread([this] { loop(); }); }

void PeriodicThread::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicThread::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) break;
    lock.unlock();
    job_();  // logs and counts its own failures
    lock.lock();
  }
}

}  // namespace latchkey
