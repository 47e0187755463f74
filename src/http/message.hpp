#pragma once
// The request and response seen by handlers: plain views and values, with no
// socket and no Beast type in sight. A Request's views point into buffers
// owned by the connection and live until the response is written.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latchkey::http {

// Read access to a request's header fields, whatever parsed them.
class Headers {
 public:
  virtual ~Headers() = default;
  // Case-insensitive; empty when absent.
  virtual std::string_view get(std::string_view name) const = 0;
  virtual std::size_t count(std::string_view name) const = 0;
};

class Request {
 public:
  explicit Request(const Headers& headers) : headers_(headers) {}

  std::string_view method;      // "GET", "POST", ...
  std::string_view path;        // target without the query
  std::string_view query;       // after '?', may be empty
  std::string_view body;
  std::string_view remote_ip;
  std::string_view request_id;
  // A string the connection keeps from one request to the next, for a
  // handler to build its body in (moved into Response::body, which the
  // connection takes back): its capacity is reused, so a hot answer
  // allocates nothing. Empty on entry; may be null.
  std::string* body_buffer = nullptr;

  // Case-insensitive; empty when absent.
  std::string_view header(std::string_view name) const { return headers_.get(name); }
  // True when the field appears more than once.
  bool repeated(std::string_view name) const { return headers_.count(name) > 1; }

 private:
  const Headers& headers_;
};

struct Response {
  unsigned status = 200;
  std::string body;
  std::string_view content_type = "application/json";
  // Sensitive by default: an auth server's answers are not for caches.
  std::string_view cache_control = "no-store";
  std::vector<std::pair<std::string_view, std::string>> headers;
};

}  // namespace latchkey::http
