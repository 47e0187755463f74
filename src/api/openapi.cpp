#include "api/openapi.hpp"

#include <boost/json.hpp>

namespace latchkey::api {

extern const std::string_view kOpenApiText;

std::string_view openapi_text() { return kOpenApiText; }

void add_openapi_route(http::Router& router) {
  router.add("GET", "/openapi.json", [](const http::Request&) -> boost::asio::awaitable<http::Response> {
    // Compacted once (the file is indented for people); a broken document
    // would throw here, and the unit test parses it first.
    static const std::string compact = boost::json::serialize(boost::json::parse(kOpenApiText));
    http::Response r;
    r.body = compact;
    // The same for the life of the binary: clients and proxies may keep it.
    r.cache_control = "public, max-age=3600";
    co_return r;
  });
}

}  // namespace latchkey::api
