#pragma once
// The OpenID Connect provider's routes: the endpoints of endpoints/, with
// the body limits and middleware each needs.
#include <memory>

#include "http/router.hpp"
#include "oidc/provider.hpp"

namespace latchkey::oidc {

// `provider` must outlive the router's use of it (it is shared by the routes).
void add_oidc_routes(http::Router& router, std::shared_ptr<const Provider> provider);

}  // namespace latchkey::oidc
