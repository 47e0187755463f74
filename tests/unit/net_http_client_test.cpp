// net::post_form against a tiny HTTP server on 127.0.0.1 in a thread of
// the test: the form arrives as sent, any status comes back, redirects are
// not followed, a silent server times out, other schemes are refused, TLS
// certificates are checked.
#include "net/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace latchkey::net {
namespace {

using namespace std::chrono_literals;

struct Received {
  std::string head;  // request line and header fields
  std::string body;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return s;
}

// One connection at a time on 127.0.0.1:0 (plain, or TLS with a
// self-signed certificate): reads a request (head and Content-Length body),
// notes it, and writes what `respond` returns then closes; nullopt: answers
// nothing and holds the connection until the server stops.
class LoopbackServer {
 public:
  using Respond = std::function<std::optional<std::string>(const Received&)>;

  explicit LoopbackServer(Respond respond, SSL_CTX* tls = nullptr) : respond_(std::move(respond)), tls_(tls) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 8) != 0)
      throw std::runtime_error("loopback server: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::string url(std::string_view path, std::string_view scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  int connections() const { return connections_.load(); }

 private:
  // Waits for `fd` to be readable, giving up when the server stops.
  bool wait_readable(int fd) const {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  void serve() {
    while (wait_readable(listener_)) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      ++connections_;
      if (tls_ != nullptr) {
        SSL* ssl = SSL_new(tls_);
        SSL_set_fd(ssl, fd);
        (void)SSL_accept(ssl);  // the client is to refuse the certificate: no request follows
        SSL_free(ssl);
      } else {
        handle(fd);
      }
      ::close(fd);
    }
  }

  void handle(int fd) {
    std::string in;
    std::size_t head_end = std::string::npos;
    std::size_t length = 0;
    char buf[4096];
    for (;;) {
      if (head_end != std::string::npos && in.size() >= head_end + 4 + length) break;
      if (!wait_readable(fd)) return;
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) return;
      in.append(buf, static_cast<std::size_t>(n));
      if (head_end == std::string::npos && (head_end = in.find("\r\n\r\n")) != std::string::npos) {
        const std::string head = lower(in.substr(0, head_end));
        if (auto at = head.find("\r\ncontent-length:"); at != std::string::npos)
          length = std::stoul(head.substr(at + 17));
      }
    }
    Received r{in.substr(0, head_end), in.substr(head_end + 4, length)};
    {
      std::lock_guard lock(mutex_);
      received_.push_back(r);
    }
    const std::optional<std::string> out = respond_(r);
    if (!out) {
      // Silent: read and drop whatever comes until the server stops.
      while (wait_readable(fd) && ::read(fd, buf, sizeof buf) > 0) {
      }
      return;
    }
    std::size_t sent = 0;
    while (sent < out->size()) {
      const ssize_t n = ::send(fd, out->data() + sent, out->size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;  // the client stopped reading (a response too long)
      sent += static_cast<std::size_t>(n);
    }
  }

  Respond respond_;
  SSL_CTX* tls_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<Received> received_;
  std::thread thread_;
};

std::string response(int status, std::string_view reason, std::string_view body, std::string_view extra = {}) {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" + std::string(extra) +
         "\r\n" + std::string(body);
}

LoopbackServer::Respond always(std::string r) {
  return [r = std::move(r)](const Received&) { return std::optional<std::string>(r); };
}

std::string header(const Received& r, std::string_view name) {
  const std::string head = lower(r.head);
  const std::string key = "\r\n" + lower(std::string(name)) + ":";
  const auto at = head.find(key);
  if (at == std::string::npos) return {};
  auto start = at + key.size();
  while (start < r.head.size() && r.head[start] == ' ') ++start;
  return r.head.substr(start, r.head.find("\r\n", start) - start);
}

class HttpClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { global_init(); }
};

TEST_F(HttpClientTest, PostsTheFormAndReturnsTheAnswer) {
  LoopbackServer server(always(response(200, "OK", "fine")));
  const auto r = post_form(server.url("/logout?x=1"), "logout_token=abc.def-ghi_jkl");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body_prefix, "fine");

  const auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].head.substr(0, got[0].head.find("\r\n")), "POST /logout?x=1 HTTP/1.1");
  EXPECT_EQ(header(got[0], "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(header(got[0], "User-Agent"), "latchkey");
  EXPECT_EQ(header(got[0], "Expect"), "");
  EXPECT_EQ(header(got[0], "Accept-Encoding"), "");
  EXPECT_EQ(got[0].body, "logout_token=abc.def-ghi_jkl");
}

TEST_F(HttpClientTest, ALargeFormArrivesWholeWithoutWaitingForContinue) {
  LoopbackServer server(always(response(204, "No Content", "")));
  const std::string form = "logout_token=" + std::string(4000, 'a');
  const auto start = std::chrono::steady_clock::now();
  const auto r = post_form(server.url("/"), form);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 204);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0].body, form);
}

TEST_F(HttpClientTest, AnErrorStatusIsAnAnswerWithTheStartOfItsBody) {
  LoopbackServer server(always(response(500, "Internal Server Error", std::string(2000, 'x'))));
  const auto r = post_form(server.url("/"), "a=b");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body_prefix, std::string(kBodyPrefix, 'x'));
}

TEST_F(HttpClientTest, ARedirectIsNotFollowed) {
  LoopbackServer server([](const Received& r) -> std::optional<std::string> {
    if (r.head.starts_with("POST /elsewhere")) return response(200, "OK", "followed");
    return response(302, "Found", "", "Location: /elsewhere\r\n");
  });
  const auto r = post_form(server.url("/logout"), "a=b");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(server.received().size(), 1u);
}

TEST_F(HttpClientTest, ASilentServerTimesOut) {
  LoopbackServer server([](const Received&) { return std::optional<std::string>(); });
  PostOptions o;
  o.timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  const auto r = post_form(server.url("/"), "a=b", o);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_NE(lower(r.error()).find("timed out"), std::string::npos) << r.error();
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(r.error().find('\n'), std::string::npos);
}

TEST_F(HttpClientTest, ALongerResponseThanTheLimitIsAnError) {
  PostOptions o;
  o.max_response = 1024;
  {  // announced by Content-Length: refused before it is read
    LoopbackServer server(always(response(200, "OK", std::string(4096, 'y'))));
    const auto r = post_form(server.url("/"), "a=b", o);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("longer than 1024"), std::string::npos) << r.error();
  }
  {  // no length: cut off as it comes
    LoopbackServer server(always("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(64 * 1024, 'y')));
    const auto r = post_form(server.url("/"), "a=b", o);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("longer than 1024"), std::string::npos) << r.error();
  }
}

TEST_F(HttpClientTest, OnlyHttpAndHttpsAreSpokenTo) {
  LoopbackServer server(always(response(200, "OK", "")));
  const std::string host = "127.0.0.1:" + server.url("").substr(server.url("").rfind(':') + 1);
  const std::vector<std::string> refused = {"ftp://" + host + "/x", "gopher://" + host + "/x",
                                            "dict://" + host + "/x", "file:///etc/passwd",
                                            host + "/x",  // no scheme: libcurl alone would guess http
                                            "//" + host + "/x", std::string()};
  for (const std::string& url : refused) {
    const auto r = post_form(url, "a=b");
    EXPECT_FALSE(r) << url;
  }
  // The scheme is matched whatever its case; anything else is refused by libcurl too.
  EXPECT_TRUE(post_form("HTTP://" + host + "/x", "a=b"));
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HttpClientTest, ARefusedConnectionIsAnError) {
  int port = 0;
  {
    LoopbackServer gone(always(""));
    const std::string url = gone.url("");
    port = std::stoi(url.substr(url.rfind(':') + 1));
  }
  const auto r = post_form("http://127.0.0.1:" + std::to_string(port) + "/", "a=b");
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.error().empty());
}

// A self-signed certificate for 127.0.0.1, which nothing trusts.
struct SelfSigned {
  SSL_CTX* ctx = nullptr;
  SelfSigned() {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1,
                               -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx, cert);
    SSL_CTX_use_PrivateKey(ctx, key);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  ~SelfSigned() { SSL_CTX_free(ctx); }
};

TEST_F(HttpClientTest, AnUntrustedCertificateIsRefused) {
  SelfSigned tls;
  ASSERT_NE(tls.ctx, nullptr);
  LoopbackServer server(always(""), tls.ctx);
  const auto r = post_form(server.url("/", "https"), "a=b");
  ASSERT_FALSE(r);
  EXPECT_NE(lower(r.error()).find("certificate"), std::string::npos) << r.error();
}

TEST(FormEncode, KeepsUnreservedCharactersAndEscapesTheRest) {
  EXPECT_EQ(form_encode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(form_encode("a b+c&d=e/\xff"), "a%20b%2Bc%26d%3De%2F%FF");
  EXPECT_EQ(form_encode(""), "");
}

}  // namespace
}  // namespace latchkey::net
