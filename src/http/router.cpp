#include "http/router.hpp"

#include <boost/json.hpp>

namespace latchkey::http {

Response json_error(unsigned status, std::string_view code, std::string_view message) {
  Response r;
  r.status = status;
  boost::json::object o;
  o["error"] = code;
  o["message"] = message;
  r.body = boost::json::serialize(o);
  return r;
}

void Router::add(std::string_view method, std::string_view path, Handler handler) {
  routes_[std::string(path)][std::string(method)] = std::move(handler);
}

void Router::add_prefix(std::string_view prefix, Handler handler) {
  prefixes_.emplace_back(std::string(prefix), std::move(handler));
}

boost::asio::awaitable<Response> Router::dispatch(const Request& req) const {
  auto by_path = routes_.find(req.path);
  if (by_path == routes_.end()) {
    for (const auto& [prefix, handler] : prefixes_) {
      if (req.path.starts_with(prefix)) co_return co_await handler(req);
    }
    co_return json_error(404, "not_found", "Not found");
  }
  auto h = by_path->second.find(req.method);
  if (h == by_path->second.end()) {
    std::string allow;
    for (const auto& [m, _] : by_path->second) allow += (allow.empty() ? "" : ", ") + m;
    Response r = json_error(405, "method_not_allowed", "Method not allowed");
    r.headers.emplace_back("Allow", std::move(allow));
    co_return r;
  }
  co_return co_await h->second(req);
}

std::vector<std::string> Router::routes() const {
  std::vector<std::string> out;
  for (const auto& [path, methods] : routes_) {
    for (const auto& [m, _] : methods) out.push_back(m + " " + path);
  }
  return out;
}

}  // namespace latchkey::http
