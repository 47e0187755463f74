#pragma once
// The public API: the seed's six endpoints (same paths, fields and messages
// as the seed's curl guide) and what grew around them, as one table of
// routes with what each requires (src/api/routes.cpp). Handlers live by
// subject in account_handlers.cpp, session_handlers.cpp and token_handlers.cpp.
#include "api/api_context.hpp"
#include "http/router.hpp"

namespace latchkey::api {

void add_routes(http::Router& router, auth::Service& service, WorkerPool& pool, ApiOptions options = {});

}  // namespace latchkey::api
