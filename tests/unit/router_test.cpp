// http::Router: path parameters, literal-first matching, 404 / 405 / 400,
// middleware in order, identity handed to the handler, per-route limits and
// metrics labelled by pattern.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/router.hpp"
#include "http_test_util.hpp"
#include "metrics/http_metrics.hpp"

namespace latchkey::http {
namespace {

using boost::asio::awaitable;
using latchkey::testing::MapHeaders;
using latchkey::testing::run_dispatch;

// A handler answering 200 with `tag` and what it saw of the parameters named.
Handler echo(std::string tag, std::vector<std::string> names = {}) {
  return [tag, names](const Request& req) -> awaitable<Response> {
    Response r;
    r.body = tag;
    for (const auto& n : names) r.body += "|" + n + "=" + std::string(req.param(n));
    co_return r;
  };
}

struct Call {
  MapHeaders headers;
  Request req{headers};
  Router::Match matched;
  Response res;
};

std::unique_ptr<Call> call(const Router& router, std::string_view method, std::string_view path,
                           std::initializer_list<std::pair<std::string, std::string>> headers = {}) {
  auto c = std::make_unique<Call>();
  c->headers = MapHeaders(headers);
  c->req.method = method;
  c->req.path = path;
  c->res = run_dispatch(router, c->req, &c->matched);
  return c;
}

TEST(Router, ParamsArePercentDecoded) {
  Router router;
  router.add("GET", "/users/{name}", echo("user", {"name", "other"}));
  auto c = call(router, "GET", "/users/al%69ce%20b%C3%A9");
  EXPECT_EQ(c->res.status, 200u);
  EXPECT_EQ(c->res.body, "user|name=alice b\xC3\xA9|other=");  // an absent name is empty
  EXPECT_EQ(c->req.param("name"), "alice b\xC3\xA9");
  EXPECT_EQ(call(router, "GET", "/users/a+b")->res.body, "user|name=a+b|other=");  // '+' is itself in a path
}

TEST(Router, SeveralParams) {
  Router router;
  router.add("DELETE", "/admin/users/{name}/sessions/{id}", echo("end", {"name", "id"}));
  auto c = call(router, "DELETE", "/admin/users/bob/sessions/s%2F1");
  EXPECT_EQ(c->res.body, "end|name=bob|id=s/1");  // an escaped '/' stays inside its segment
  EXPECT_TRUE(c->matched.found);
  EXPECT_EQ(c->matched.route, "/admin/users/{name}/sessions/{id}");
}

TEST(Router, LongParamsAreKeptWhole) {
  Router router;
  router.add("GET", "/a/{x}/b/{y}", echo("long", {"x", "y"}));
  const std::string x(300, 'x');
  const std::string y = std::string(100, 'y') + "%41";
  EXPECT_EQ(call(router, "GET", "/a/" + x + "/b/" + y)->res.body, "long|x=" + x + "|y=" + std::string(100, 'y') + "A");
}

TEST(Router, ACopiedRequestReadsItsOwnParams) {
  Router router;
  router.add("GET", "/users/{name}", echo("user"));
  auto c = call(router, "GET", "/users/%61lice");
  const Request copy = c->req;
  c.reset();
  EXPECT_EQ(copy.param("name"), "alice");
}

TEST(Router, LiteralSegmentsWinOverParams) {
  Router router;
  router.add("GET", "/users/{name}", echo("param", {"name"}));
  router.add("GET", "/users/me", echo("literal"));
  router.add("GET", "/a/{x}/c", echo("x-c", {"x"}));
  router.add("GET", "/a/b/{y}", echo("b-y", {"y"}));
  router.add("GET", "/a/b/d/e", echo("b-d-e"));
  EXPECT_EQ(call(router, "GET", "/users/me")->res.body, "literal");
  EXPECT_EQ(call(router, "GET", "/users/bob")->res.body, "param|name=bob");
  EXPECT_EQ(call(router, "GET", "/a/b/c")->res.body, "b-y|y=c");  // the literal at depth 2 first
  EXPECT_EQ(call(router, "GET", "/a/z/c")->res.body, "x-c|x=z");
  EXPECT_EQ(call(router, "GET", "/a/b/d")->res.body, "b-y|y=d");
  // Past a literal that leads nowhere, the parameter is tried.
  router.add("GET", "/p/lit/end", echo("lit-end"));
  router.add("GET", "/p/{q}/other", echo("q-other", {"q"}));
  EXPECT_EQ(call(router, "GET", "/p/lit/other")->res.body, "q-other|q=lit");
}

TEST(Router, UnknownPathsAre404) {
  Router router;
  router.add("GET", "/users/{name}", echo("user"));
  router.add("GET", "/exact", echo("exact"));
  for (std::string_view path : {"/nope", "/users", "/users/bob/extra", "/users/bob/", "", "users/bob", "/exact/"}) {
    auto c = call(router, "GET", path);
    EXPECT_EQ(c->res.status, 404u) << path;
    EXPECT_EQ(c->res.body, R"({"error":"not_found","message":"Not found"})");
    EXPECT_FALSE(c->matched.found);
    EXPECT_EQ(c->matched.route, metrics::kUnmatchedRoute);
  }
}

TEST(Router, OtherMethodsAre405WithAllowFromTheTable) {
  Router router;
  router.add("GET", "/things", echo("list"));
  router.add("POST", "/things", echo("make"));
  router.add("PUT", "/things/{id}", echo("put"));
  router.add("GET", "/things/{id}", echo("get"));
  router.add("DELETE", "/things/{id}", echo("delete"));
  auto c = call(router, "PATCH", "/things/7");
  EXPECT_EQ(c->res.status, 405u);
  EXPECT_EQ(c->res.body, R"({"error":"method_not_allowed","message":"Method not allowed"})");
  ASSERT_EQ(c->res.headers.size(), 1u);
  EXPECT_EQ(c->res.headers[0].first, "Allow");
  EXPECT_EQ(c->res.headers[0].second, "DELETE, GET, PUT");
  EXPECT_FALSE(c->matched.found);
  auto d = call(router, "DELETE", "/things");
  EXPECT_EQ(d->res.status, 405u);
  EXPECT_EQ(d->res.headers.at(0).second, "GET, POST");
}

TEST(Router, MalformedParamsAre400) {
  Router router;
  router.add("GET", "/users/{name}", echo("user"));
  router.add("GET", "/users/{name}/x", echo("x"));
  for (std::string_view path : {"/users/%zz", "/users/%", "/users/%4", "/users/a%2", "/users/%ff%fe", "/users/%C3",
                                "/users/%ED%A0%80", "/users/", "/users//x", "/users/\xff"}) {
    auto c = call(router, "GET", path);
    EXPECT_EQ(c->res.status, 400u) << path;
    EXPECT_EQ(c->res.body, R"({"error":"invalid_request","message":"The path is malformed"})");
    EXPECT_EQ(c->matched.route, path.ends_with("/x") ? "/users/{name}/x" : "/users/{name}");
  }
  EXPECT_EQ(call(router, "GET", "/users/%C3%A9")->res.status, 200u);
  EXPECT_EQ(call(router, "GET", "/users/\xC3\xA9")->res.status, 200u);  // raw UTF-8 as well
}

TEST(Router, MiddlewareRunsInOrderBeforeTheHandler) {
  std::vector<std::string> ran;
  auto step = [&](std::string name, std::optional<unsigned> answer) -> Middleware {
    return [&ran, name, answer](Request&) -> std::optional<Response> {
      ran.push_back(name);
      if (!answer) return std::nullopt;
      return json_error(*answer, "stopped", name);
    };
  };
  Router router;
  Handler handler = [&](const Request&) -> awaitable<Response> {
    ran.push_back("handler");
    co_return Response{};
  };
  router.add("GET", "/open", handler, {.middleware = {step("first", {}), step("second", {})}});
  router.add("GET", "/shut", handler, {.middleware = {step("first", 401), step("second", {})}});
  router.add("GET", "/late/{x}", handler, {.middleware = {step("first", {}), step("second", 429)}});

  EXPECT_EQ(call(router, "GET", "/open")->res.status, 200u);
  EXPECT_EQ(ran, (std::vector<std::string>{"first", "second", "handler"}));
  ran.clear();
  auto shut = call(router, "GET", "/shut");
  EXPECT_EQ(shut->res.status, 401u);
  EXPECT_EQ(shut->res.body, R"({"error":"stopped","message":"first"})");
  EXPECT_TRUE(shut->matched.found);  // recorded under its route all the same
  EXPECT_EQ(ran, (std::vector<std::string>{"first"}));
  ran.clear();
  EXPECT_EQ(call(router, "GET", "/late/1")->res.status, 429u);
  EXPECT_EQ(ran, (std::vector<std::string>{"first", "second"}));
  ran.clear();
  EXPECT_EQ(call(router, "GET", "/late/%zz")->res.status, 400u);  // no middleware for a malformed path
  EXPECT_TRUE(ran.empty());
}

TEST(Router, MiddlewareHandsTheIdentityToTheHandler) {
  Middleware authenticate = [](Request& req) -> std::optional<Response> {
    if (req.header("Authorization") != "let me in") return json_error(401, "invalid_token", "Invalid token");
    auto session = std::make_shared<const std::string>("u-42:alice:s-7");
    const std::string_view s = *session;
    req.identity = Identity{s.substr(0, 4), s.substr(5, 5), s.substr(11), session};
    return std::nullopt;
  };
  Router router;
  router.add("GET", "/me", [](const Request& req) -> awaitable<Response> {
    Response r;
    r.body = req.identity ? std::string(req.identity.subject) + "/" + std::string(req.identity.name) + "/" +
                                std::string(req.identity.session)
                          : "nobody";
    co_return r;
  }, {.middleware = {authenticate}, .security = "bearer"});
  MapHeaders headers({{"Authorization", "let me in"}});
  Request req(headers);
  req.method = "GET";
  req.path = "/me";
  EXPECT_FALSE(req.identity);
  EXPECT_EQ(run_dispatch(router, req).body, "u-42/alice/s-7");
  EXPECT_TRUE(req.identity);
  EXPECT_EQ(call(router, "GET", "/me")->res.status, 401u);
}

TEST(Router, MatchCarriesTheRouteBodyLimit) {
  Router router;
  router.add("POST", "/small/{id}", echo("small"), {.max_body_bytes = 16});
  router.add("POST", "/default", echo("default"));
  const Router::Match small = router.match("POST", "/small/1");
  EXPECT_TRUE(small.found);
  EXPECT_EQ(small.route, "/small/{id}");
  EXPECT_EQ(small.max_body_bytes, 16u);
  EXPECT_EQ(router.match("POST", "/default").max_body_bytes, 0u);
  EXPECT_EQ(router.match("GET", "/small/1").max_body_bytes, 0u);  // another method: not this route
  EXPECT_FALSE(router.match("GET", "/small/1").found);
  EXPECT_EQ(call(router, "POST", "/small/1")->matched.max_body_bytes, 16u);
}

TEST(Router, MetricsAreLabelledByPattern) {
  metrics::HttpMetrics m;
  Router router(&m);
  router.add("GET", "/users/{name}/sessions", echo("sessions"));
  auto c = call(router, "GET", "/users/carol/sessions");
  EXPECT_EQ(c->matched.route, "/users/{name}/sessions");
  EXPECT_EQ(c->matched.series, &m.route("GET", "/users/{name}/sessions"));
  EXPECT_EQ(c->matched.series->route(), "/users/{name}/sessions");
  EXPECT_EQ(router.match("GET", "/users/dave/sessions").series, c->matched.series);
  EXPECT_EQ(call(router, "GET", "/elsewhere")->matched.series, &m.unmatched());
}

TEST(Router, RefusesDuplicateAndMalformedPatterns) {
  Router router;
  router.add("GET", "/a/{x}", echo("a"));
  router.add("POST", "/a/{x}", echo("a"));
  router.add("GET", "/b", echo("b"));
  EXPECT_THROW(router.add("GET", "/a/{x}", echo("again")), std::logic_error);
  EXPECT_THROW(router.add("GET", "/b", echo("again")), std::logic_error);
  EXPECT_THROW(router.add("PUT", "/a/{y}", echo("renamed")), std::logic_error);
  for (std::string_view bad : {"", "a/b", "/a/{", "/a/{}", "/a/x{y}", "/a/{y}z", "/{x}/{x}", "/a?b", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}"})
    EXPECT_THROW(router.add("GET", bad, echo("bad")), std::invalid_argument) << bad;
  EXPECT_THROW(router.add("", "/c", echo("c")), std::invalid_argument);
  EXPECT_THROW(router.add("G T", "/c", echo("c")), std::invalid_argument);
}

TEST(Router, ListsRoutesSorted) {
  Router router;
  router.add("POST", "/login", echo("login"));
  router.add("GET", "/users/{name}", echo("user"), {.security = "admin"});
  router.add("DELETE", "/users/{name}", echo("user"), {.security = "admin"});
  router.add("GET", "/healthz", echo("health"));
  EXPECT_EQ(router.routes(), (std::vector<std::string>{"DELETE /users/{name}", "GET /healthz", "GET /users/{name}",
                                                       "POST /login"}));
  const auto info = router.route_info();
  ASSERT_EQ(info.size(), 4u);
  EXPECT_EQ(info[0].pattern, "/healthz");
  EXPECT_EQ(info[0].security, "none");
  EXPECT_EQ(info[2].method, "DELETE");
  EXPECT_EQ(info[2].pattern, "/users/{name}");
  EXPECT_EQ(info[2].security, "admin");
}

TEST(Router, AGroupIsOneLabelForItsRoutesAndItsMisses) {
  metrics::HttpMetrics m;
  Router router(&m);
  router.label_group("/admin/", "/admin/*");
  router.add("GET", "/admin/users/{name}", echo("pattern"));
  auto hit = call(router, "GET", "/admin/users/x");
  EXPECT_EQ(hit->res.body, "pattern");
  EXPECT_EQ(hit->matched.route, "/admin/*");
  EXPECT_EQ(hit->matched.series, &m.route("GET", "/admin/*"));
  auto wrong_method = call(router, "POST", "/admin/users/x");
  EXPECT_EQ(wrong_method->res.status, 405u);
  EXPECT_EQ(wrong_method->matched.series, &m.route("POST", "/admin/*"));
  auto miss = call(router, "PROPFIND", "/admin/keys");
  EXPECT_EQ(miss->res.status, 404u);
  EXPECT_EQ(miss->matched.route, "/admin/*");
  EXPECT_FALSE(miss->matched.found);  // not a method the group counts apart: "other"
  EXPECT_EQ(miss->matched.series, &m.route("other", "/admin/*"));
  EXPECT_EQ(router.match("GET", "/admin/other").route, "/admin/*");
  EXPECT_EQ(router.match("GET", "/elsewhere").route, metrics::kUnmatchedRoute);
}

TEST(Router, AGroupGuardSpeaksBeforeAnyOtherAnswerUnderItsPrefix) {
  Router router;
  Middleware refuse = [](Request& req) -> std::optional<Response> {
    if (req.header("Authorization") == "ok") return std::nullopt;
    return json_error(401, "token_missing", "no");
  };
  router.label_group("/admin/", "/admin/*", {refuse});
  router.add("GET", "/admin/users/{name}", echo("user"));
  router.add("GET", "/public", echo("public"));
  // Without the guard's consent: 401 for a route, an unknown path, a wrong
  // method and a malformed parameter alike.
  for (const auto& [method, path] : {std::pair{"GET", "/admin/users/x"}, std::pair{"GET", "/admin/nothing"},
                                     std::pair{"POST", "/admin/users/x"}, std::pair{"GET", "/admin/users/%zz"}}) {
    EXPECT_EQ(call(router, method, path)->res.status, 401u) << method << " " << path;
  }
  EXPECT_EQ(call(router, "GET", "/public")->res.status, 200u);  // outside the prefix: no guard
  EXPECT_EQ(call(router, "GET", "/admin/users/x", {{"authorization", "ok"}})->res.body, "user");
  EXPECT_EQ(call(router, "GET", "/admin/nothing", {{"authorization", "ok"}})->res.status, 404u);
  EXPECT_EQ(call(router, "POST", "/admin/users/x", {{"authorization", "ok"}})->res.status, 405u);
}

}  // namespace
}  // namespace latchkey::http
