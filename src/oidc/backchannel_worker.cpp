#include "oidc/backchannel_worker.hpp"

namespace latchkey::oidc {

void BackchannelWorker::start() { thread_ = std::thread([this] { loop(); }); }

void BackchannelWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackchannelWorker::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) break;
    lock.unlock();
    (void)delivery_.run_once();  // logs and counts its own failures
    lock.lock();
  }
}

}  // namespace latchkey::oidc
