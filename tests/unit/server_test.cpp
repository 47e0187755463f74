// The server's stop: periodic tasks get one last run and then end, even when
// the stop signal arrives while a task is running.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <thread>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/router.hpp"
#include "http/server.hpp"

namespace latchkey::http {
namespace {

using namespace std::chrono_literals;

TEST(Server, StopDuringAPeriodicTaskEndsTheLoop) {
  Router router;
  ServerOptions options;
  options.port = 0;
  Server server(options, router);
  std::atomic<int> runs{0};
  std::atomic<bool> in_task{false};
  server.every(20ms, [&]() -> boost::asio::awaitable<void> {
    ++runs;
    in_task = true;
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, 200ms);
    co_await t.async_wait(boost::asio::use_awaitable);
    in_task = false;
  });
  server.listen();
  auto done = std::async(std::launch::async, [&] { server.run(1); });
  while (!in_task) std::this_thread::sleep_for(1ms);
  const int before = runs.load();
  std::raise(SIGTERM);  // while the task runs: no wait to cancel
  const bool stopped = done.wait_for(5s) == std::future_status::ready;
  if (!stopped) std::raise(SIGTERM);  // a second signal forces the stop, so the test ends
  EXPECT_TRUE(stopped) << "the periodic loop kept the server running";
  done.wait();
  EXPECT_EQ(runs.load(), before + 1);  // one last run, at once
}

}  // namespace
}  // namespace latchkey::http
