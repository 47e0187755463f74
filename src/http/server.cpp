#include "http/server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <csignal>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

#include "http/connection.hpp"
#include "util/log.hpp"

namespace latchkey::http {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Server::Impl {
  Impl(ServerOptions o, const Router& r) : options(std::move(o)), router(r) {}

  ServerOptions options;
  const Router& router;
  asio::io_context ioc;
  asio::strand<asio::io_context::executor_type> strand{asio::make_strand(ioc)};
  tcp::acceptor acceptor{strand};
  asio::signal_set signals{strand, SIGINT, SIGTERM};
  asio::steady_timer grace{strand};

  struct Periodic {
    std::chrono::milliseconds interval;
    std::function<asio::awaitable<void>()> task;
    std::unique_ptr<asio::steady_timer> timer;
  };
  std::vector<Periodic> periodic;

  std::mutex mutex;
  std::unordered_set<std::shared_ptr<ConnectionBase>> connections;
  bool stopping = false;

  asio::awaitable<void> accept_loop();
  bool at_capacity() {
    std::lock_guard lock(mutex);
    return connections.size() >= options.max_connections;
  }
  asio::awaitable<void> periodic_loop(Periodic& p);
  void begin_stop();
  void forget(const std::shared_ptr<ConnectionBase>& c);
  template <class Stream>
  bool serve(std::shared_ptr<Connection<Stream>> conn);
};

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    auto [ec, socket] =
        co_await acceptor.async_accept(asio::make_strand(ioc), asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (!acceptor.is_open()) co_return;
      log::warn("http.accept_failed", {{"reason", std::string_view(ec.message())}});
      // Out of descriptors: give connections in flight a moment to finish.
      asio::steady_timer pause(strand, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (at_capacity()) {
      // Refused cleanly: a short answer the client can read, then close.
      static constexpr std::string_view kBusy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
          "Retry-After: 1\r\nConnection: close\r\nContent-Length: 67\r\n\r\n"
          "{\"error\":\"unavailable\",\"message\":\"Too many connections, try again\"}";
      if (!options.tls) asio::write(socket, asio::buffer(kBusy), ignored);  // HTTPS: no plain text
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
      log::warn("http.connection_refused", {{"reason", "max_connections"}});
      continue;
    }
    boost::beast::tcp_stream stream(tcp::socket(std::move(socket)));
    const bool served =
        options.tls ? serve(std::make_shared<Connection<TlsStream>>(TlsStream(std::move(stream), *options.tls),
                                                                     router, options))
                    : serve(std::make_shared<Connection<boost::beast::tcp_stream>>(std::move(stream), router, options));
    if (!served) co_return;
  }
}

// Registers the connection and starts its coroutine; false when stopping.
template <class Stream>
bool Server::Impl::serve(std::shared_ptr<Connection<Stream>> conn) {
  {
    std::lock_guard lock(mutex);
    if (stopping) return false;
    connections.insert(conn);
  }
  auto executor = conn->serve_executor();
  asio::co_spawn(executor, conn->serve(), [this, conn](std::exception_ptr e) {
    log::exception("http.connection_failed", e);
    forget(conn);
  });
  return true;
}

asio::awaitable<void> Server::Impl::periodic_loop(Periodic& p) {
  for (;;) {
    p.timer->expires_after(p.interval);
    auto [ec] = co_await p.timer->async_wait(asio::as_tuple(asio::use_awaitable));
    co_await p.task();
    if (ec) co_return;  // cancelled by stop: that was the last run
    // A stop that came while the task ran found no wait to cancel: run the
    // last time now, or the loop would keep the server alive.
    bool stop_came;
    {
      std::lock_guard lock(mutex);
      stop_came = stopping;
    }
    if (stop_came) {
      co_await p.task();
      co_return;
    }
  }
}

void Server::Impl::forget(const std::shared_ptr<ConnectionBase>& c) {
  std::lock_guard lock(mutex);
  connections.erase(c);
  if (stopping && connections.empty()) {
    asio::post(strand, [this] {
      grace.cancel();
      boost::system::error_code ignored;
      signals.cancel(ignored);
    });
  }
}

void Server::Impl::begin_stop() {
  boost::system::error_code ignored;
  acceptor.close(ignored);
  for (auto& p : periodic) p.timer->cancel();
  // A second signal while draining: stop waiting for requests in flight.
  signals.async_wait([this](boost::system::error_code ec, int) {
    if (ec) return;
    log::warn("server.stop_forced");
    ioc.stop();
  });
  std::lock_guard lock(mutex);
  stopping = true;
  log::info("server.stopping", {{"connections", static_cast<std::int64_t>(connections.size())}});
  if (connections.empty()) {
    signals.cancel(ignored);
    return;
  }
  for (const auto& c : connections) c->stop();
  grace.expires_after(options.shutdown_grace);
  grace.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled: every connection finished in time
    log::warn("server.grace_expired");
    ioc.stop();
  });
}

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

Server::~Server() = default;

void Server::listen() {
  auto& o = impl_->options;
  const std::string where = o.host + ":" + std::to_string(o.port);
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(o.host, ec);
  if (ec) {
    tcp::resolver resolver(impl_->ioc);
    auto results = resolver.resolve(o.host, std::to_string(o.port), ec);
    if (ec || results.empty())
      throw std::runtime_error("cannot listen on " + where + ": unknown host");
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, o.port);
  auto& a = impl_->acceptor;
  auto fail = [&](std::string_view step) {
    throw std::runtime_error("cannot listen on " + where + ": " + ec.message() +
                             (step.empty() ? "" : " (" + std::string(step) + ")"));
  };
  a.open(endpoint.protocol(), ec);
  if (ec) fail("open");
  a.set_option(asio::socket_base::reuse_address(true), ec);
  a.bind(endpoint, ec);
  if (ec) fail("");
  a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail("listen");
}

void Server::every(std::chrono::milliseconds interval,
                   std::function<asio::awaitable<void>()> task) {
  impl_->periodic.push_back(
      Impl::Periodic{interval, std::move(task), std::make_unique<asio::steady_timer>(impl_->strand)});
}

std::uint16_t Server::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void Server::run(unsigned threads) {
  auto& impl = *impl_;
  impl.signals.async_wait([&impl](boost::system::error_code ec, int) {
    if (!ec) impl.begin_stop();
  });
  asio::co_spawn(impl.strand, impl.accept_loop(),
                 [](std::exception_ptr e) { log::exception("http.accept_loop_failed", e); });
  for (auto& p : impl.periodic) {
    asio::co_spawn(impl.strand, impl.periodic_loop(p),
                   [](std::exception_ptr e) { log::exception("server.periodic_task_failed", e); });
  }
  // An exception escaping a handler is a bug: log it and keep serving.
  auto run_loop = [&impl] {
    for (;;) {
      try {
        impl.ioc.run();
        return;
      } catch (const std::exception& e) {
        log::error("server.handler_exception", {{"what", std::string_view(e.what())}});
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back(run_loop);
  run_loop();
  for (auto& t : pool) t.join();
}

}  // namespace latchkey::http
