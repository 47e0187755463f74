#pragma once
// Maps method and path to a handler. Unknown paths answer 404, known paths
// with another method 405 with an Allow header; both as JSON errors.
#include <array>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "http/message.hpp"
#include "metrics/http_metrics.hpp"

namespace latchkey::http {

using Handler = std::function<boost::asio::awaitable<Response>(const Request&)>;

class Router {
 public:
  Router() = default;
  // Requests are counted and timed per route in `metrics` (null: not recorded).
  explicit Router(metrics::HttpMetrics* metrics) : metrics_(metrics) {}

  // What a request matched: the route pattern for logs ("unmatched" when
  // none) and the series it is recorded in (null without metrics).
  struct Match {
    std::string_view route = metrics::kUnmatchedRoute;
    metrics::RouteSeries* series = nullptr;
    bool found = false;
  };

  void add(std::string_view method, std::string_view path, Handler handler);
  // Every path under `prefix` ("/admin/") that has no exact route goes to
  // `handler`, whatever the method: it answers 404 and 405 itself. Its
  // requests are logged and counted as route "/admin/*".
  void add_prefix(std::string_view prefix, Handler handler);
  // Runs the route's handler; `matched`, when given, learns which route it was.
  boost::asio::awaitable<Response> dispatch(const Request& req, Match* matched = nullptr) const;
  // The match of a request that is answered without dispatch (unreadable).
  Match match(std::string_view method, std::string_view path) const;
  // Every "METHOD /path" served, for documentation tests.
  std::vector<std::string> routes() const;

 private:
  struct Route {
    Handler handler;
    metrics::RouteSeries* series = nullptr;
  };
  // A prefix route: any method, so one series per common method.
  struct Prefix {
    std::string prefix;
    std::string pattern;  // prefix + "*"
    Handler handler;
    std::array<metrics::RouteSeries*, 6> series{};  // GET, POST, PUT, PATCH, DELETE, other
  };
  Match unmatched() const {
    return {metrics::kUnmatchedRoute, metrics_ ? &metrics_->unmatched() : nullptr, false};
  }
  static Match prefix_match(const Prefix& p, std::string_view method);

  metrics::HttpMetrics* metrics_ = nullptr;
  // path -> method -> route
  std::map<std::string, std::map<std::string, Route, std::less<>>, std::less<>> routes_;
  std::deque<Prefix> prefixes_;  // a deque: patterns stay put for string_views
};

// {"error": code, "message": message} with this status.
Response json_error(unsigned status, std::string_view code, std::string_view message);

}  // namespace latchkey::http
