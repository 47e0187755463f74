// The server's stop: periodic tasks get one last run and then end, even when
// the stop signal arrives while a task is running. Then requests over a real
// socket (below).
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/client_address.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace latchkey::http {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------
// Requests over a real socket: the limits the connection applies before a
// handler runs, and the answer's fields as written.

// A server on an ephemeral port, running on its own thread until destroyed.
class RunningServer {
 public:
  RunningServer(const Router& router, ServerOptions options) : server_(with_port_0(std::move(options)), router) {
    server_.listen();
    done_ = std::async(std::launch::async, [this] { server_.run(1); });
  }
  ~RunningServer() {
    std::raise(SIGTERM);
    if (done_.wait_for(5s) != std::future_status::ready) std::raise(SIGTERM);  // forces the stop
    done_.wait();
  }

  // Sends `raw` on a new connection; everything the server writes until it
  // closes (requests should say Connection: close, or be refused).
  std::string exchange(std::string_view raw) {
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ip::tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), server_.port()});
    timeval timeout{5, 0};  // a server that never answers fails the test rather than hanging it
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    asio::write(s, asio::buffer(raw));
    std::string out;
    char buf[4096];
    boost::system::error_code ec;
    while (!ec) out.append(buf, s.read_some(asio::buffer(buf), ec));
    EXPECT_EQ(ec, asio::error::eof) << ec.message();
    return out;
  }

 private:
  static ServerOptions with_port_0(ServerOptions o) {
    o.port = 0;
    return o;
  }
  Server server_;
  std::future<void> done_;
};

Handler ok_handler() {
  return [](const Request& req) -> boost::asio::awaitable<Response> {
    Response r;
    r.body = "{\"got\":" + std::to_string(req.body.size()) + "}";
    co_return r;
  };
}

std::string post(std::string_view path, std::size_t body_bytes) {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body_bytes) + "\r\n\r\n" + std::string(body_bytes, 'b');
}

TEST(Connection, ARouteBodyLimitRefusesLargerBodiesWith413) {
  Router router;
  router.add("POST", "/small", ok_handler(), {.max_body_bytes = 16});
  router.add("POST", "/roomy", ok_handler(), {.max_body_bytes = 1 << 20});
  ServerOptions options;
  options.max_body_bytes = 64;
  RunningServer server(router, options);

  EXPECT_TRUE(server.exchange(post("/small", 16)).starts_with("HTTP/1.1 200 OK\r\n"));
  const std::string refused = server.exchange(post("/small", 17));
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 413 Payload Too Large\r\n")) << refused;
  EXPECT_TRUE(refused.ends_with(R"({"error":"payload_too_large","message":"Request body is too large"})")) << refused;
  // Chunked: no length to refuse up front, the limit cuts the read.
  const std::string chunked = server.exchange(
      "POST /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
      "10\r\n0123456789abcdef\r\n4\r\nmore\r\n0\r\n\r\n");
  EXPECT_TRUE(chunked.starts_with("HTTP/1.1 413 ")) << chunked;
  // The smaller of the route's and the server's limit applies.
  EXPECT_TRUE(server.exchange(post("/roomy", 64)).starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_TRUE(server.exchange(post("/roomy", 65)).starts_with("HTTP/1.1 413 "));
}

TEST(Connection, AHugeAuthorizationFieldIsAnInvalidToken) {
  Router router;
  router.add("GET", "/protected", ok_handler());
  ServerOptions options;
  options.max_header_bytes = 4096;
  options.max_authorization_bytes = 1000;
  RunningServer server(router, options);
  const std::string token = server.exchange("GET /protected HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                            std::string(5000, 'a') + "\r\n\r\n");
  EXPECT_TRUE(token.starts_with("HTTP/1.1 401 Unauthorized\r\n")) << token;
  EXPECT_NE(token.find("WWW-Authenticate: Bearer realm=\"latchkey\", error=\"invalid_token\""), std::string::npos);
  const std::string other =
      server.exchange("GET /protected HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(5000, 'a') + "\r\n\r\n");
  EXPECT_TRUE(other.starts_with("HTTP/1.1 431 ")) << other;
}

TEST(Connection, WritesEveryGivenFieldInOrder) {
  Router router;
  router.add("GET", "/login", [](const Request&) -> boost::asio::awaitable<Response> {
    Response r;
    r.headers.emplace_back("Set-Cookie", "a=1; Path=/; HttpOnly; Secure; SameSite=Lax");
    r.headers.emplace_back("Set-Cookie", "b=2; Path=/; HttpOnly; Secure; SameSite=Lax");
    co_return r;
  });
  RunningServer server(router, {});
  const std::string answer = server.exchange("GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto a = answer.find("\r\nSet-Cookie: a=1; Path=/; HttpOnly; Secure; SameSite=Lax\r\n");
  const auto b = answer.find("\r\nSet-Cookie: b=2; Path=/; HttpOnly; Secure; SameSite=Lax\r\n");
  ASSERT_NE(a, std::string::npos) << answer;
  ASSERT_NE(b, std::string::npos) << answer;
  EXPECT_LT(a, b);
}

// The handler sees the client a trusted peer forwards, and the peer beside it.
TEST(Connection, ATrustedPeerForwardsTheClient) {
  Router router;
  router.add("GET", "/ip", [](const Request& req) -> boost::asio::awaitable<Response> {
    Response r;
    r.body = std::string(req.remote_ip) + " " + std::string(req.peer_ip);
    co_return r;
  });
  const std::string request =
      "GET /ip HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.1, 203.0.113.7\r\nUser-Agent: u\r\n"
      "X-Forwarded-For: 10.0.0.5\r\nConnection: close\r\n\r\n";
  ServerOptions trusting;
  trusting.trusted_proxies = std::make_shared<const TrustedProxies>(TrustedProxies::parse("127.0.0.1 10.0.0.0/8").value());
  {
    RunningServer server(router, trusting);
    EXPECT_TRUE(server.exchange(request).ends_with("\r\n\r\n203.0.113.7 127.0.0.1"));
    EXPECT_TRUE(server.exchange("GET /ip HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .ends_with("\r\n\r\n127.0.0.1 127.0.0.1"));
  }
  // Trusting nobody, or not this peer: the fields change nothing.
  {
    RunningServer server(router, {});
    EXPECT_TRUE(server.exchange(request).ends_with("\r\n\r\n127.0.0.1 127.0.0.1"));
  }
  ServerOptions other;
  other.trusted_proxies = std::make_shared<const TrustedProxies>(TrustedProxies::parse("127.0.0.2").value());
  RunningServer server(router, other);
  EXPECT_TRUE(server.exchange(request).ends_with("\r\n\r\n127.0.0.1 127.0.0.1"));
}

}  // namespace
}  // namespace latchkey::http
