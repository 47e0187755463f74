#pragma once
// The account pages' routes (account/pages.hpp), on the provider's parts.
#include <memory>

#include "http/router.hpp"
#include "oidc/provider.hpp"

namespace latchkey::account {

void add_account_routes(http::Router& router, std::shared_ptr<const oidc::Provider> provider);

}  // namespace latchkey::account
