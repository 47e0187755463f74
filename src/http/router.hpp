#pragma once
// Maps method and path to a handler. Unknown paths answer 404, known paths
// with another method 405 with an Allow header; both as JSON errors.
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
  Match unmatched() const {
    return {metrics::kUnmatchedRoute, metrics_ ? &metrics_->unmatched() : nullptr, false};
  }

  metrics::HttpMetrics* metrics_ = nullptr;
  // path -> method -> route
  std::map<std::string, std::map<std::string, Route, std::less<>>, std::less<>> routes_;
};

// {"error": code, "message": message} with this status.
Response json_error(unsigned status, std::string_view code, std::string_view message);

}  // namespace latchkey::http
