#include "api/ops_routes.hpp"

#include <boost/json.hpp>

#include "api/json_io.hpp"
#include "metrics/text_writer.hpp"

namespace latchkey::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

// Coroutines take what they need as parameters (kept in their frame), not
// from a lambda's captures.
awaitable<Response> readyz(const Ops& ops) {
  const Ops::Readiness r = ops.readiness();
  if (r.ready) co_return json_response(200, json::object{{"status", "ready"}});
  json::array reasons;
  std::string message = "Not ready:";
  for (std::string_view why : r.reasons) {
    reasons.emplace_back(why);
    message += (reasons.size() == 1 ? " " : "; ") + std::string(why);
  }
  Response res = json_response(503, json::object{{"error", "not_ready"},
                                                 {"message", message},
                                                 {"status", "not_ready"},
                                                 {"reasons", std::move(reasons)}});
  res.headers.emplace_back("Retry-After", "1");
  co_return res;
}

awaitable<Response> metrics_page(const Ops& ops) {
  Response res;
  res.body = ops.metrics_text();
  res.content_type = metrics::kContentType;
  co_return res;
}

awaitable<Response> healthz() { co_return json_response(200, json::object{{"status", "ok"}}); }

}  // namespace

void add_ops_routes(http::Router& router, const Ops& ops, OpsRoutes which) {
  const Ops* o = &ops;
  router.add("GET", "/readyz", [o](const Request&) { return readyz(*o); });
  if (which.metrics) router.add("GET", "/metrics", [o](const Request&) { return metrics_page(*o); });
  if (which.healthz) router.add("GET", "/healthz", [](const Request&) { return healthz(); });
}

}  // namespace latchkey::api
