#pragma once
// Maps method and path to a handler. Unknown paths answer 404, known paths
// with another method 405 with an Allow header; both as JSON errors.
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "http/message.hpp"

namespace latchkey::http {

using Handler = std::function<boost::asio::awaitable<Response>(const Request&)>;

class Router {
 public:
  void add(std::string_view method, std::string_view path, Handler handler);
  // Every path under `prefix` ("/admin/") that has no exact route goes to
  // `handler`, whatever the method: it answers 404 and 405 itself.
  void add_prefix(std::string_view prefix, Handler handler);
  boost::asio::awaitable<Response> dispatch(const Request& req) const;
  // Every "METHOD /path" served, for documentation tests.
  std::vector<std::string> routes() const;

 private:
  // path -> method -> handler
  std::map<std::string, std::map<std::string, Handler, std::less<>>, std::less<>> routes_;
  std::vector<std::pair<std::string, Handler>> prefixes_;
};

// {"error": code, "message": message} with this status.
Response json_error(unsigned status, std::string_view code, std::string_view message);

}  // namespace latchkey::http
