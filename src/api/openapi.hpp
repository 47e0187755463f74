#pragma once
// GET /openapi.json: the OpenAPI 3.1 description of the API (docs/openapi.json,
// built into the binary), served compact and cacheable.
#include <string_view>

#include "http/router.hpp"

namespace latchkey::api {

// docs/openapi.json as it was at build time.
std::string_view openapi_text();

void add_openapi_route(http::Router& router);

}  // namespace latchkey::api
