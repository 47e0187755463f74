#pragma once
// The HTTP/1.1 listener: accepts connections on the I/O threads and serves
// each with a coroutine (read, dispatch, write, repeat). On SIGINT/SIGTERM it
// stops accepting, closes idle connections, lets requests in flight finish
// and returns from run(). Periodic work is not its business (app/scheduler.hpp).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "http/router.hpp"

namespace boost::asio::ssl {
class context;
}

namespace latchkey::http {

class TrustedProxies;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5000;
  std::size_t max_body_bytes = 64 * 1024;  // a route may set a smaller one (RouteOptions)
  // Beast keeps field values under 64 KiB; the limit stays below that.
  std::size_t max_header_bytes = 60 * 1024;
  // A header block over max_header_bytes because of an Authorization field
  // line longer than this is answered 401 invalid_token rather than 431: the
  // trouble is the token, not the request. The composition root sets it from
  // the longest token accepted (token::kMaxTokenLength, 8192).
  std::size_t max_authorization_bytes = 8192;
  std::size_t max_connections = 4096;
  std::chrono::seconds header_timeout{10};  // from the first byte to the end of the header block
  std::chrono::seconds read_timeout{30};   // one whole request, header and body
  std::chrono::seconds idle_timeout{60};   // between requests on a kept-alive connection
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds shutdown_grace{10}; // in-flight requests get this long at stop
  std::shared_ptr<boost::asio::ssl::context> tls;  // set: HTTPS only (http/tls.hpp)
  // Peers whose forwarding fields name the client (http/client_address.hpp).
  // Null: nobody's, and a request's fields are not even looked at.
  std::shared_ptr<const TrustedProxies> trusted_proxies;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router);
  ~Server();

  // Binds and listens. Throws std::runtime_error with a one-line reason
  // ("cannot listen on 127.0.0.1:5000: Address already in use").
  void listen();
  // Serves on `threads` I/O threads until a stop signal; then drains.
  void run(unsigned threads);
  // The port actually bound (useful with port 0).
  std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace latchkey::http
