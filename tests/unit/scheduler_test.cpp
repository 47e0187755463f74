// The periodic jobs' scheduler (app/scheduler.hpp): jobs run on their
// interval, and at stop each runs once more, a stop that comes while one
// runs included.
#include "app/scheduler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace latchkey::app {
namespace {

using namespace std::chrono_literals;

TEST(Scheduler, StopDuringAPeriodicTaskEndsTheLoop) {
  Scheduler scheduler;
  std::atomic<int> runs{0};
  std::atomic<bool> in_task{false};
  scheduler.every("slow", 20ms, [&]() -> boost::asio::awaitable<void> {
    ++runs;
    in_task = true;
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, 200ms);
    co_await t.async_wait(boost::asio::use_awaitable);
    in_task = false;
  });
  scheduler.start();
  while (!in_task) std::this_thread::sleep_for(1ms);
  const int before = runs.load();
  auto done = std::async(std::launch::async, [&] { scheduler.stop(); });  // while the task runs
  const bool stopped = done.wait_for(5s) == std::future_status::ready;
  EXPECT_TRUE(stopped) << "the periodic loop kept the scheduler running";
  done.wait();
  EXPECT_EQ(runs.load(), before + 1);  // one last run, at once
}

TEST(Scheduler, JobsRunOnTheirIntervalAndOnceMoreAtStop) {
  Scheduler scheduler;
  std::atomic<int> fast{0}, slow{0};
  scheduler.every("fast", 10ms, [&]() -> boost::asio::awaitable<void> {
    ++fast;
    co_return;
  });
  scheduler.every("slow", 1h, [&]() -> boost::asio::awaitable<void> {
    ++slow;
    co_return;
  });
  scheduler.start();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (fast.load() < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_GE(fast.load(), 3);
  EXPECT_EQ(slow.load(), 0);
  scheduler.stop();
  EXPECT_EQ(slow.load(), 1);  // the last run, so a flush loses nothing
  const int after = fast.load();
  scheduler.stop();  // idempotent
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(fast.load(), after);
}

TEST(Scheduler, AJobThatSkipsTheLastRunJustStops) {
  Scheduler scheduler;
  std::atomic<int> runs{0};
  scheduler.every("check", 1h, [&]() -> boost::asio::awaitable<void> {
    ++runs;
    co_return;
  }, Scheduler::AtStop::skip);
  scheduler.start();
  scheduler.stop();
  EXPECT_EQ(runs.load(), 0);
}

TEST(Scheduler, AFailingJobIsLoggedAndTheOthersGoOn) {
  Scheduler scheduler;
  std::atomic<int> good{0};
  scheduler.every("broken", 5ms, []() -> boost::asio::awaitable<void> {
    throw std::runtime_error("a bug");
    co_return;
  });
  scheduler.every("fine", 5ms, [&]() -> boost::asio::awaitable<void> {
    ++good;
    co_return;
  });
  scheduler.start();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (good.load() < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  scheduler.stop();
  EXPECT_GE(good.load(), 3);
}

}  // namespace
}  // namespace latchkey::app
