#pragma once
// The thread that runs back-channel logout deliveries (backchannel_delivery.hpp)
// once a second. A thread of its own: a delivery waits on a client's
// server (up to the post timeout each), which must hold neither the
// scheduler (audit flushes every 250 ms) nor a database lane (on SQLite,
// the one thread every write goes through).
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "oidc/backchannel_delivery.hpp"

namespace latchkey::oidc {

class BackchannelWorker {
 public:
  BackchannelWorker(BackchannelDelivery& delivery, std::chrono::milliseconds interval)
      : delivery_(delivery), interval_(interval) {}
  ~BackchannelWorker() { stop(); }
  BackchannelWorker(const BackchannelWorker&) = delete;
  BackchannelWorker& operator=(const BackchannelWorker&) = delete;

  void start();
  // Waits for a run under way (bounded by its post timeouts), then joins. Idempotent.
  void stop();

 private:
  void loop();

  BackchannelDelivery& delivery_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace latchkey::oidc
