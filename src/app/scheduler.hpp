#pragma once
// Periodic jobs, each on its own interval, on one thread of their own (not
// the HTTP server's): flushing usage and audit events, retention, key
// reloads, readiness checks. A job is a coroutine, so it can hand blocking
// work to the worker pool's lanes and wait without holding the thread. At
// stop a job that flushes runs once more, so that it loses nothing; the
// others (checks, retention, reloads) just stop.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace latchkey::app {

class Scheduler {
 public:
  using Job = std::function<boost::asio::awaitable<void>()>;

  Scheduler() = default;
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  enum class AtStop { run_again, skip };
  // Runs `job` every `interval`, first one interval after start(), and once
  // more at stop with AtStop::run_again. `name` names it in logs. Call
  // before start().
  void every(std::string name, std::chrono::milliseconds interval, Job job, AtStop at_stop = AtStop::run_again);
  // Starts the thread.
  void start();
  // Runs each AtStop::run_again job once more (waiting for one under way to
  // finish first), then stops the thread. Idempotent.
  void stop();

 private:
  struct Entry {
    std::string name;
    std::chrono::milliseconds interval;
    Job job;
    AtStop at_stop;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  boost::asio::awaitable<void> loop(Entry& e);

  boost::asio::io_context ioc_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::thread thread_;
  bool stopping_ = false;  // touched on the scheduler's thread only
};

}  // namespace latchkey::app
