#include "http/server.hpp"

#include <boost/asio.hpp>

#include <atomic>
#include <csignal>
#include <functional>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

#include "http/connection.hpp"
#include "util/log.hpp"

namespace latchkey::http {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// How often a shard looks for connections past their deadline.
constexpr std::chrono::milliseconds kSweepInterval{100};

// One I/O thread and the connections it serves. Each shard's io_context is
// run by its own thread only, so a connection needs no strand and its
// handlers run one after another without locks; other threads reach a shard
// by posting to it (the worker pool's results, the stop).
struct Shard {
  asio::io_context ioc{1};  // concurrency hint: one thread runs it
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> keep_running{ioc.get_executor()};
  asio::steady_timer sweep{ioc};
  std::unordered_set<std::shared_ptr<ConnectionBase>> connections;  // this shard's thread only
  bool stopping = false;                                            // this shard's thread only

  asio::awaitable<void> sweep_loop() {
    for (;;) {
      sweep.expires_after(kSweepInterval);
      auto [ec] = co_await sweep.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec || (stopping && connections.empty())) co_return;
      const auto now = Clock::now();
      for (const auto& c : connections) c->expire(now);
    }
  }
  // At stop: end idle connections; the thread returns once the rest finish.
  void stop() {
    stopping = true;
    keep_running.reset();
    for (const auto& c : connections) c->stop();
    if (connections.empty()) sweep.cancel();
  }
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, const Router& r) : options(std::move(o)), router(r), shards(first_shard()) {}
  static std::vector<std::unique_ptr<Shard>> first_shard() {
    std::vector<std::unique_ptr<Shard>> v;
    v.push_back(std::make_unique<Shard>());
    return v;
  }

  ServerOptions options;
  const Router& router;
  // Shard 0 also runs the acceptor and the signals.
  std::vector<std::unique_ptr<Shard>> shards;
  asio::io_context& control() { return shards.front()->ioc; }
  tcp::acceptor acceptor{control()};
  asio::signal_set signals{control(), SIGINT, SIGTERM};
  asio::steady_timer grace{control()};

  std::atomic<std::size_t> live{0};       // connections on all shards
  std::atomic<bool> stopping{false};
  std::size_t next_shard = 0;             // control thread only

  asio::awaitable<void> accept_loop();
  void begin_stop();
  void force_stop() {
    for (auto& s : shards) s->ioc.stop();
  }
  template <class Stream>
  void serve(Shard& shard, std::shared_ptr<Connection<Stream>> conn);
};

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    // Connections go round the shards: with keep-alive clients, each shard
    // ends up with its share of them.
    Shard& shard = *shards[next_shard];
    next_shard = (next_shard + 1) % shards.size();
    auto [ec, socket] = co_await acceptor.async_accept(shard.ioc, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (!acceptor.is_open()) co_return;
      log::warn("http.accept_failed", {{"reason", std::string_view(ec.message())}});
      // Out of descriptors: give connections in flight a moment to finish.
      asio::steady_timer pause(control(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (live.load(std::memory_order_relaxed) >= options.max_connections) {
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
    if (stopping.load()) co_return;
    live.fetch_add(1, std::memory_order_relaxed);
    if (options.tls)
      serve(shard, std::make_shared<Connection<TlsStream>>(TlsStream(std::move(socket), *options.tls), router,
                                                          options));
    else
      serve(shard, std::make_shared<Connection<PlainStream>>(PlainStream(std::move(socket)), router, options));
  }
}

// Starts the connection's coroutine on its shard, which keeps it until it ends.
template <class Stream>
void Server::Impl::serve(Shard& shard, std::shared_ptr<Connection<Stream>> conn) {
  asio::post(shard.ioc, [this, &shard, conn = std::move(conn)]() mutable {
    if (shard.stopping) {  // the stop came first: close without a word
      live.fetch_sub(1);
      return;
    }
    shard.connections.insert(conn);
    asio::co_spawn(shard.ioc, conn->serve(), [this, &shard, conn](std::exception_ptr e) {
      log::exception("http.connection_failed", e);
      shard.connections.erase(conn);
      if (shard.stopping && shard.connections.empty()) shard.sweep.cancel();
      if (live.fetch_sub(1) == 1 && stopping.load()) {
        asio::post(control(), [this] {
          grace.cancel();
          boost::system::error_code ignored;
          signals.cancel(ignored);
        });
      }
    });
  });
}

void Server::Impl::begin_stop() {
  boost::system::error_code ignored;
  acceptor.close(ignored);
  // A second signal while draining: stop waiting for requests in flight.
  signals.async_wait([this](boost::system::error_code ec, int) {
    if (ec) return;
    log::warn("server.stop_forced");
    force_stop();
  });
  stopping = true;
  log::info("server.stopping", {{"connections", static_cast<std::int64_t>(live.load())}});
  for (auto& s : shards) asio::post(s->ioc, [&shard = *s] { shard.stop(); });
  if (live.load() == 0) {
    signals.cancel(ignored);
    return;
  }
  grace.expires_after(options.shutdown_grace);
  grace.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled: every connection finished in time
    log::warn("server.grace_expired");
    force_stop();
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
    tcp::resolver resolver(impl_->control());
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

std::uint16_t Server::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void Server::run(unsigned threads) {
  auto& impl = *impl_;
  while (impl.shards.size() < std::max(threads, 1u)) impl.shards.push_back(std::make_unique<Shard>());
  impl.signals.async_wait([&impl](boost::system::error_code ec, int) {
    if (!ec) impl.begin_stop();
  });
  asio::co_spawn(impl.control(), impl.accept_loop(),
                 [](std::exception_ptr e) { log::exception("http.accept_loop_failed", e); });
  for (auto& s : impl.shards) {
    asio::co_spawn(s->ioc, s->sweep_loop(),
                   [](std::exception_ptr e) { log::exception("http.sweep_failed", e); });
  }
  // An exception escaping a handler is a bug: log it and keep serving.
  auto run_loop = [](asio::io_context& ioc) {
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        log::error("server.handler_exception", {{"what", std::string_view(e.what())}});
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < impl.shards.size(); ++i) pool.emplace_back(run_loop, std::ref(impl.shards[i]->ioc));
  run_loop(impl.control());
  for (auto& t : pool) t.join();
}

}  // namespace latchkey::http
