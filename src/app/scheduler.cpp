#include "app/scheduler.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "util/log.hpp"

namespace latchkey::app {

namespace asio = boost::asio;

Scheduler::~Scheduler() { stop(); }

void Scheduler::every(std::string name, std::chrono::milliseconds interval, Job job, AtStop at_stop) {
  entries_.push_back(std::make_unique<Entry>(
      Entry{std::move(name), interval, std::move(job), at_stop, std::make_unique<asio::steady_timer>(ioc_)}));
}

asio::awaitable<void> Scheduler::loop(Entry& e) {
  for (;;) {
    e.timer->expires_after(e.interval);
    auto [ec] = co_await e.timer->async_wait(asio::as_tuple(asio::use_awaitable));
    // Not stopping: an ordinary run. A stop that came while the job ran
    // found no wait to cancel, hence the second look.
    if (!ec && !stopping_) co_await e.job();
    if (ec || stopping_) {
      if (e.at_stop == AtStop::run_again) co_await e.job();  // the last run
      co_return;
    }
  }
}

void Scheduler::start() {
  for (auto& e : entries_) {
    asio::co_spawn(ioc_, loop(*e), [name = std::string_view(e->name)](std::exception_ptr ex) {
      if (!ex) return;
      try {
        std::rethrow_exception(ex);
      } catch (const std::exception& what) {
        log::error("scheduler.job_failed", {{"job", name}, {"what", std::string_view(what.what())}});
      } catch (...) {
        log::error("scheduler.job_failed", {{"job", name}});
      }
    });
  }
  // The loops keep the context busy until each has run its last time.
  thread_ = std::thread([this] { ioc_.run(); });
}

void Scheduler::stop() {
  if (!thread_.joinable()) return;
  asio::post(ioc_, [this] {
    stopping_ = true;
    for (auto& e : entries_) e->timer->cancel();
  });
  thread_.join();
}

}  // namespace latchkey::app
