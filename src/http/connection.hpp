#pragma once
// One client connection: owns its socket and buffer, loops read, handle,
// write until the client leaves, a timeout fires or the server stops.
#include <atomic>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "http/router.hpp"
#include "http/server.hpp"

namespace latchkey::http {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::beast::tcp_stream stream, const Router& router, const ServerOptions& options);

  boost::asio::awaitable<void> serve();
  // The strand the connection's coroutine runs on.
  auto serve_executor() { return stream_.get_executor(); }

  // From any thread: finish the request in hand (if any), then close.
  void stop();

 private:
  boost::beast::tcp_stream stream_;
  const Router& router_;
  const ServerOptions& options_;
  std::atomic<bool> busy_{false};
  std::atomic<bool> stopping_{false};
};

}  // namespace latchkey::http
