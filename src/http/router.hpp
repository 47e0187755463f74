#pragma once
// Maps method and path to a route: middleware, then a handler. Unknown paths
// answer 404, known paths with another method 405 with an Allow header, a
// path parameter that is not valid percent-encoded UTF-8 400; all as JSON.
//
// Patterns are literal segments and whole-segment parameters:
// "/admin/users/{name}/sessions/{id}". Exact patterns (no parameter) are
// found with one hash lookup; patterns with parameters in a small segment
// tree, where a literal segment wins over a parameter at the same depth (the
// parameter is tried when the literal leads to no pattern). The pattern so
// found owns the path: its methods alone decide between the handler and 405.
// Nothing is allocated or composed per request: dispatch walks the route's
// middleware vector, then awaits its handler.
#include <array>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "http/message.hpp"
#include "metrics/http_metrics.hpp"

namespace latchkey::http {

using Handler = std::function<boost::asio::awaitable<Response>(const Request&)>;
// A step run before the handler: returns an answer to end the request there
// (401, 429...) or nullopt to go on, possibly after filling in req.identity.
// Synchronous, and it must not block: it runs on the connection's I/O thread,
// on every I/O thread at once (so it guards whatever it shares).
using Middleware = std::function<std::optional<Response>(Request&)>;

struct RouteOptions {
  std::vector<Middleware> middleware = {};  // run in this order before the handler
  std::size_t max_body_bytes = 0;          // 0: the server's limit; otherwise the smaller of the two applies
  std::string_view security = "none";      // documentation: "none", "bearer", "admin", later "session"
};

class Router {
 public:
  Router() = default;
  // Requests are counted and timed per route in `metrics` (null: not recorded).
  explicit Router(metrics::HttpMetrics* metrics) : metrics_(metrics) {}
  // Not copyable: Matches and Requests point into it; moving keeps every address.
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;
  Router(Router&&) = default;
  Router& operator=(Router&&) = default;
  ~Router() = default;

  // Throws std::invalid_argument for a malformed pattern or method, and
  // std::logic_error when the same method and pattern come twice.
  void add(std::string_view method, std::string_view pattern, Handler handler, RouteOptions options = {});
  // Every request whose path starts with `prefix` is logged and counted as
  // `label` (a route, a 404 or a 405 alike), one series per common method:
  // for an API surface of many low-traffic routes whose paths carry names
  // (the admin API: "/admin/" as "/admin/*"), so that one label stands for
  // all of it whether or not it is switched on. `guard` runs before anything
  // else is said about such a path (404, 405, a malformed parameter): who
  // may not call the API learns nothing of its routes. Call before adding
  // the group's routes.
  void label_group(std::string_view prefix, std::string_view label, std::vector<Middleware> guard = {});
  // Whether some route has a body limit of its own (else Match need not be
  // asked for one before the body is read).
  bool has_body_limits() const { return has_body_limits_; }

  // What a request matched: the route's pattern for logs and metrics, never
  // the raw path ("unmatched" when none), and the series it is recorded in
  // (null without metrics).
  struct Match {
    std::string_view route = metrics::kUnmatchedRoute;
    metrics::RouteSeries* series = nullptr;
    bool found = false;
    std::size_t max_body_bytes = 0;  // the route's own limit, 0 when none
  };
  // Runs the route's middleware in order, then its handler, after filling
  // in req's path parameters; `matched`, when given, learns which route it was.
  boost::asio::awaitable<Response> dispatch(Request& req, Match* matched = nullptr) const;
  // The route of a request without running it (its body limit before the
  // body is read; an unreadable request's metrics).
  Match match(std::string_view method, std::string_view path) const;

  struct RouteInfo {
    std::string method;
    std::string pattern;
    std::string security;
  };
  // Every route, sorted by pattern then method, for documentation tests.
  std::vector<RouteInfo> route_info() const;
  // Every "METHOD /pattern" served, sorted.
  std::vector<std::string> routes() const;

 private:
  // One method of one pattern.
  struct Route {
    std::string method;
    Handler handler;
    std::vector<Middleware> middleware;
    std::size_t max_body_bytes = 0;
    std::string security;
    metrics::RouteSeries* series = nullptr;
    std::string_view label;  // logs and metrics: the pattern, or its group's label
  };
  // One pattern and its methods, sorted by method (so Allow comes sorted).
  struct Endpoint {
    std::string pattern;
    std::vector<std::string> param_names;  // in path order
    std::vector<Route> methods;
    const Route* find(std::string_view method) const;
  };
  // A level of the segment tree of patterns with parameters. Few children
  // per level: a linear scan beats hashing.
  struct Node {
    std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
    std::unique_ptr<Node> param;   // a `{name}` segment; the names are the endpoint's
    Endpoint* endpoint = nullptr;  // a pattern ends here
  };
  // A label_group: any method, so one series per common method.
  struct Group {
    std::string prefix;
    std::string label;
    std::array<metrics::RouteSeries*, 6> series{};  // GET, POST, PUT, PATCH, DELETE, other
    std::vector<Middleware> guard;
  };
  // The endpoint a path names, with the raw values of its parameters.
  struct Found {
    const Endpoint* endpoint = nullptr;
    std::array<std::string_view, Request::kMaxParams> raw{};
  };

  Endpoint& endpoint_for(std::string_view pattern);
  Found find(std::string_view path) const;
  const Group* find_group(std::string_view path) const;
  // Decodes f's parameters into req; false when one is not valid percent-encoded UTF-8.
  static bool fill_params(Request& req, const Found& f);
  Match unmatched() const {
    return {metrics::kUnmatchedRoute, metrics_ ? &metrics_->unmatched() : nullptr, false, 0};
  }
  // What a request that reached no route matched: its group, or "unmatched".
  Match unmatched_in(std::string_view method, std::string_view path) const;
  // What a request in group `g` matched.
  static Match group_match(const Group& g, std::string_view method);

  metrics::HttpMetrics* metrics_ = nullptr;
  std::deque<Endpoint> endpoints_;  // a deque: patterns and names stay put for string_views
  // Hashes a std::string key by its view, so a lookup takes a string_view.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Endpoint*, Hash, std::equal_to<>> exact_;  // patterns without parameters
  std::unique_ptr<Node> tree_;  // patterns with parameters; null when none
  std::deque<Group> groups_;  // a deque: labels stay put for string_views
  bool has_body_limits_ = false;
};

// {"error": code, "message": message} with this status.
Response json_error(unsigned status, std::string_view code, std::string_view message);

}  // namespace latchkey::http
