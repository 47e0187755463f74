#pragma once
// The request and response seen by handlers: plain views and values, with no
// socket and no Beast type in sight. A Request's views point into buffers
// owned by the connection and live until the response is written.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latchkey::http {

// ASCII case-insensitive equality: header names, auth schemes (RFC 9110).
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    const char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

// Read access to a request's header fields, whatever parsed them.
class Headers {
 public:
  virtual ~Headers() = default;
  // Case-insensitive; empty when absent.
  virtual std::string_view get(std::string_view name) const = 0;
  virtual std::size_t count(std::string_view name) const = 0;
};

// Who is calling, as an authentication middleware found it. http/ knows no
// tokens or sessions: the middleware decides what these mean.
struct Identity {
  std::string_view subject;  // user id
  std::string_view name;     // username as shown
  std::string_view session;  // session id
  std::shared_ptr<const void> owner;  // keeps what the views point into alive
  explicit operator bool() const { return !subject.empty(); }
};

class Request {
 public:
  explicit Request(const Headers& headers) : headers_(headers) {}

  std::string_view method;      // "GET", "POST", ...
  std::string_view path;        // target without the query
  std::string_view query;       // after '?', may be empty
  std::string_view body;
  // The client's address (http/client_address.hpp): the TCP peer's, or
  // the one a trusted proxy forwarded. Limits, sessions, the audit trail and
  // the access log all use it.
  std::string_view remote_ip;
  // The TCP peer's address: remote_ip, or the proxy that forwarded it.
  std::string_view peer_ip;
  std::string_view request_id;
  // A string the connection keeps from one request to the next, for a
  // handler to build its body in (moved into Response::body, which the
  // connection takes back): its capacity is reused, so a hot answer
  // allocates nothing. Empty on entry; may be null.
  std::string* body_buffer = nullptr;
  // Filled in by the route's middleware (Router), empty otherwise.
  Identity identity;

  // Case-insensitive; empty when absent.
  std::string_view header(std::string_view name) const { return headers_.get(name); }
  // True when the field appears more than once.
  bool repeated(std::string_view name) const { return headers_.count(name) > 1; }

  // The value of the matched route's `{name}` segment, percent-decoded
  // (valid, non-empty UTF-8: the router answers 400 otherwise); empty when
  // the route has no such segment.
  std::string_view param(std::string_view name) const {
    for (std::size_t i = 0; i < param_count_; ++i) {
      if (params_[i].name == name) return {param_bytes() + params_[i].offset, params_[i].size};
    }
    return {};
  }

 private:
  friend class Router;
  static constexpr std::size_t kMaxParams = 8;
  // Decoded values of a path up to this long stay inside the Request.
  static constexpr std::size_t kInlineParamBytes = 128;
  // Offsets rather than views: a copied Request still reads its own bytes.
  struct Param {
    std::string_view name;  // the route's, which the Router keeps
    std::uint32_t offset;
    std::uint32_t size;
  };
  const char* param_bytes() const { return long_params_.empty() ? inline_params_.data() : long_params_.data(); }
  // Room for `bytes` bytes of decoded values; heap only past the inline size.
  char* param_room(std::size_t bytes) {
    if (bytes <= inline_params_.size()) {
      long_params_.clear();
      return inline_params_.data();
    }
    long_params_.assign(bytes, '\0');
    return long_params_.data();
  }

  const Headers& headers_;
  // Only the first param_count_ entries, and the bytes they cover, are ever
  // read: left uninitialised, as a Request is made for every request.
  std::array<Param, kMaxParams> params_;
  std::size_t param_count_ = 0;
  std::array<char, kInlineParamBytes> inline_params_;
  std::string long_params_;
};

struct Response {
  unsigned status = 200;
  std::string body;
  std::string_view content_type = "application/json";
  // Sensitive by default: an auth server's answers are not for caches.
  std::string_view cache_control = "no-store";
  // Written in this order, every one (two Set-Cookie fields are two fields);
  // a field named like a default (Content-Type, Cache-Control, Pragma,
  // X-Content-Type-Options, X-Request-Id) replaces that default.
  std::vector<std::pair<std::string_view, std::string>> headers;
};

}  // namespace latchkey::http
