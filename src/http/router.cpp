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
  routes_[std::string(path)][std::string(method)] =
      Route{std::move(handler), metrics_ ? &metrics_->route(method, path) : nullptr};
}

namespace {
constexpr std::array<std::string_view, 5> kPrefixMethods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
}  // namespace

void Router::add_prefix(std::string_view prefix, Handler handler) {
  Prefix& p = prefixes_.emplace_back(Prefix{std::string(prefix), std::string(prefix) + "*", std::move(handler), {}});
  if (metrics_) {
    for (std::size_t i = 0; i < kPrefixMethods.size(); ++i) p.series[i] = &metrics_->route(kPrefixMethods[i], p.pattern);
    p.series.back() = &metrics_->route("other", p.pattern);
  }
}

Router::Match Router::prefix_match(const Prefix& p, std::string_view method) {
  std::size_t i = 0;
  while (i < kPrefixMethods.size() && kPrefixMethods[i] != method) ++i;
  return {p.pattern, p.series[i], i < kPrefixMethods.size()};
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  auto by_path = routes_.find(path);
  if (by_path == routes_.end()) {
    for (const Prefix& p : prefixes_) {
      if (path.starts_with(p.prefix)) return prefix_match(p, method);
    }
    return unmatched();
  }
  auto r = by_path->second.find(method);
  if (r == by_path->second.end()) return unmatched();
  return {by_path->first, r->second.series, true};
}

boost::asio::awaitable<Response> Router::dispatch(const Request& req, Match* matched) const {
  if (matched) *matched = unmatched();
  auto by_path = routes_.find(req.path);
  if (by_path == routes_.end()) {
    for (const Prefix& p : prefixes_) {
      if (!req.path.starts_with(p.prefix)) continue;
      if (matched) *matched = prefix_match(p, req.method);
      co_return co_await p.handler(req);
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
  if (matched) *matched = {by_path->first, h->second.series, true};
  co_return co_await h->second.handler(req);
}

std::vector<std::string> Router::routes() const {
  std::vector<std::string> out;
  for (const auto& [path, methods] : routes_) {
    for (const auto& [m, _] : methods) out.push_back(m + " " + path);
  }
  return out;
}

}  // namespace latchkey::http
