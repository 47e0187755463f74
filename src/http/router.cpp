#include "http/router.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>

#include <boost/json.hpp>

#include "http/form.hpp"
#include "http/grammar.hpp"
#include "util/utf8.hpp"

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

namespace {

constexpr std::size_t npos = std::string_view::npos;

// The segments of "/a/{b}/c": "a", "{b}", "c". "/" has one, empty.
std::vector<std::string_view> segments(std::string_view pattern) {
  std::vector<std::string_view> out;
  std::size_t pos = 1;
  for (;;) {
    const std::size_t slash = pattern.find('/', pos);
    out.push_back(pattern.substr(pos, slash == npos ? npos : slash - pos));
    if (slash == npos) return out;
    pos = slash + 1;
  }
}

bool is_param(std::string_view segment) { return segment.starts_with('{'); }

// The parameter names of `pattern`, in order; throws when it is malformed.
std::vector<std::string> param_names(std::string_view pattern, std::size_t max_params) {
  auto bad = [&](std::string_view why) {
    return std::invalid_argument("route pattern \"" + std::string(pattern) + "\": " + std::string(why));
  };
  if (!pattern.starts_with('/')) throw bad("must start with '/'");
  if (pattern.find_first_of("?#") != npos) throw bad("no query or fragment");
  std::vector<std::string> names;
  for (std::string_view seg : segments(pattern)) {
    if (!is_param(seg)) {
      if (seg.find_first_of("{}") != npos) throw bad("a parameter is a whole segment");
      continue;
    }
    const std::string_view name = seg.substr(1, seg.size() - 2);
    if (!seg.ends_with('}') || name.empty() || name.find_first_of("{}") != npos)
      throw bad("a parameter is a whole segment, {name}");
    if (std::find(names.begin(), names.end(), name) != names.end()) throw bad("a parameter name comes twice");
    names.emplace_back(name);
  }
  if (names.size() > max_params) throw bad("too many parameters");
  return names;
}

// The endpoint matching the path from `pos` (just after a '/'; npos: the
// path has ended) under `node`. A literal segment is tried before the
// parameter, which is tried when the literal leads nowhere.
template <class Endpoint, class Node, class Raw>
const Endpoint* walk(const Node& node, std::string_view path, std::size_t pos, Raw& raw, std::size_t n) {
  if (pos == npos) return node.endpoint;
  const std::size_t slash = path.find('/', pos);
  const std::string_view seg = path.substr(pos, slash == npos ? npos : slash - pos);
  const std::size_t next = slash == npos ? npos : slash + 1;
  for (const auto& [literal, child] : node.literals) {
    if (literal != seg) continue;
    if (const Endpoint* e = walk<Endpoint>(*child, path, next, raw, n)) return e;
    break;
  }
  if (!node.param || n >= raw.size()) return nullptr;
  raw[n] = seg;
  return walk<Endpoint>(*node.param, path, next, raw, n + 1);
}

constexpr std::array<std::string_view, 5> kGroupMethods = {"GET", "POST", "PUT", "PATCH", "DELETE"};

Response method_not_allowed(std::string allow) {
  Response r = json_error(405, "method_not_allowed", "Method not allowed");
  r.headers.emplace_back("Allow", std::move(allow));
  return r;
}

}  // namespace

const Router::Route* Router::Endpoint::find(std::string_view method) const {
  for (const Route& r : methods) {
    if (r.method == method) return &r;
  }
  return nullptr;
}

// The endpoint of `pattern`, made on first use: in the hash map when it has
// no parameter, in the tree otherwise.
Router::Endpoint& Router::endpoint_for(std::string_view pattern) {
  std::vector<std::string> names = param_names(pattern, Request::kMaxParams);
  if (names.empty()) {
    auto [it, fresh] = exact_.try_emplace(std::string(pattern), nullptr);
    if (fresh) it->second = &endpoints_.emplace_back(Endpoint{std::string(pattern), {}, {}});
    return *it->second;
  }
  if (!tree_) tree_ = std::make_unique<Node>();
  Node* node = tree_.get();
  for (std::string_view seg : segments(pattern)) {
    std::unique_ptr<Node>* next = &node->param;
    if (!is_param(seg)) {
      auto it = std::find_if(node->literals.begin(), node->literals.end(),
                             [&](const auto& l) { return l.first == seg; });
      if (it == node->literals.end()) it = node->literals.insert(it, {std::string(seg), nullptr});
      next = &it->second;
    }
    if (!*next) *next = std::make_unique<Node>();
    node = next->get();
  }
  if (!node->endpoint) {
    node->endpoint = &endpoints_.emplace_back(Endpoint{std::string(pattern), std::move(names), {}});
  } else if (node->endpoint->pattern != pattern) {
    // "/users/{id}" after "/users/{name}": one path, two names for its parameter.
    throw std::logic_error("route pattern " + std::string(pattern) + " conflicts with " + node->endpoint->pattern);
  }
  return *node->endpoint;
}

void Router::add(std::string_view method, std::string_view pattern, Handler handler, RouteOptions options) {
  if (method.empty() || !std::all_of(method.begin(), method.end(), is_tchar))
    throw std::invalid_argument("route method \"" + std::string(method) + "\" is not a method name");
  Endpoint& e = endpoint_for(pattern);
  if (e.find(method)) throw std::logic_error("route " + std::string(method) + " " + e.pattern + " added twice");
  Route r{std::string(method), std::move(handler), std::move(options.middleware), options.max_body_bytes,
          std::string(options.security), nullptr, e.pattern};
  if (const Group* g = find_group(e.pattern)) {
    const Match in_group = group_match(*g, method);
    r.series = in_group.series;
    r.label = in_group.route;
  } else if (metrics_) {
    r.series = &metrics_->route(method, e.pattern);
  }
  auto at = std::find_if(e.methods.begin(), e.methods.end(), [&](const Route& x) { return x.method > method; });
  if (r.max_body_bytes > 0) has_body_limits_ = true;
  e.methods.insert(at, std::move(r));
}

void Router::label_group(std::string_view prefix, std::string_view label, std::vector<Middleware> guard) {
  Group& g = groups_.emplace_back(Group{std::string(prefix), std::string(label), {}, std::move(guard)});
  if (metrics_) {
    for (std::size_t i = 0; i < kGroupMethods.size(); ++i) g.series[i] = &metrics_->route(kGroupMethods[i], g.label);
    g.series.back() = &metrics_->route("other", g.label);
  }
}

Router::Match Router::group_match(const Group& g, std::string_view method) {
  std::size_t i = 0;
  while (i < kGroupMethods.size() && kGroupMethods[i] != method) ++i;
  return {g.label, g.series[i], i < kGroupMethods.size(), 0};
}

Router::Found Router::find(std::string_view path) const {
  Found f;
  // An exact pattern is the most specific match there is: literal at every depth.
  if (auto it = exact_.find(path); it != exact_.end()) {
    f.endpoint = it->second;
  } else if (tree_ && path.starts_with('/')) {
    f.endpoint = walk<Endpoint>(*tree_, path, 1, f.raw, 0);
  }
  return f;
}

const Router::Group* Router::find_group(std::string_view path) const {
  for (const Group& g : groups_) {
    if (path.starts_with(g.prefix)) return &g;
  }
  return nullptr;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  const Found f = find(path);
  const Route* r = f.endpoint ? f.endpoint->find(method) : nullptr;
  if (!r) return unmatched_in(method, path);
  return {r->label, r->series, true, r->max_body_bytes};
}

Router::Match Router::unmatched_in(std::string_view method, std::string_view path) const {
  const Group* g = find_group(path);
  return g ? group_match(*g, method) : unmatched();
}

bool Router::fill_params(Request& req, const Found& f) {
  const std::vector<std::string>& names = f.endpoint->param_names;
  req.param_count_ = 0;
  if (names.empty()) return true;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < names.size(); ++i) bytes += f.raw[i].size();
  char* out = req.param_room(bytes);  // decoding never lengthens
  std::size_t at = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto n = percent_decode(f.raw[i], out + at);
    if (!n || *n == 0 || !valid_utf8({out + at, *n})) return false;
    req.params_[i] = {names[i], static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(*n)};
    at += *n;
  }
  req.param_count_ = names.size();
  return true;
}

boost::asio::awaitable<Response> Router::dispatch(Request& req, Match* matched) const {
  if (matched) *matched = unmatched();
  req.param_count_ = 0;
  if (const Group* g = find_group(req.path)) {
    for (const Middleware& step : g->guard) {
      if (std::optional<Response> answer = step(req)) {
        if (matched) *matched = unmatched_in(req.method, req.path);
        co_return std::move(*answer);
      }
    }
  }
  const Found f = find(req.path);
  if (!f.endpoint) {
    if (matched) *matched = unmatched_in(req.method, req.path);
    co_return json_error(404, "not_found", "Not found");
  }
  const Route* route = f.endpoint->find(req.method);
  if (!route) {
    if (matched) *matched = unmatched_in(req.method, req.path);
    std::string allow;  // the methods are kept sorted
    for (const Route& r : f.endpoint->methods) allow.append(allow.empty() ? "" : ", ").append(r.method);
    co_return method_not_allowed(std::move(allow));
  }
  if (matched) *matched = {route->label, route->series, true, route->max_body_bytes};
  if (!fill_params(req, f)) co_return json_error(400, "invalid_request", "The path is malformed");
  for (const Middleware& step : route->middleware) {
    if (std::optional<Response> answer = step(req)) co_return std::move(*answer);
  }
  co_return co_await route->handler(req);
}

std::vector<Router::RouteInfo> Router::route_info() const {
  std::vector<RouteInfo> out;
  for (const Endpoint& e : endpoints_) {
    for (const Route& r : e.methods) out.push_back({r.method, e.pattern, r.security});
  }
  std::sort(out.begin(), out.end(),
            [](const RouteInfo& a, const RouteInfo& b) { return std::tie(a.pattern, a.method) < std::tie(b.pattern, b.method); });
  return out;
}

std::vector<std::string> Router::routes() const {
  std::vector<std::string> out;
  for (const RouteInfo& r : route_info()) out.push_back(r.method + " " + r.pattern);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace latchkey::http
