#pragma once
// One client connection: owns its socket and buffer, loops read, handle,
// write until the client leaves, a timeout fires or the server stops.
#include <atomic>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "http/router.hpp"
#include "http/server.hpp"
#include "http/tls.hpp"

namespace latchkey::http {

// What the server keeps of every connection, whatever its stream.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // From any thread: finish the request in hand (if any), then close.
  virtual void stop() = 0;
};

// Stream: boost::beast::tcp_stream (HTTP) or TlsStream (HTTPS). The loop is
// compiled for each, so a request costs no virtual call either way.
template <class Stream>
class Connection final : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(Stream stream, const Router& router, const ServerOptions& options);

  boost::asio::awaitable<void> serve();
  // The strand the connection's coroutine runs on.
  auto serve_executor() { return stream_.get_executor(); }

  void stop() override;

 private:
  Stream stream_;
  const Router& router_;
  const ServerOptions& options_;
  std::atomic<bool> busy_{false};
  std::atomic<bool> stopping_{false};
};

extern template class Connection<boost::beast::tcp_stream>;
extern template class Connection<TlsStream>;

}  // namespace latchkey::http
