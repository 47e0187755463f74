#pragma once
// The claims about the person that scopes ask for (OpenID Connect Core
// 5.4), the same in the id_token and at /userinfo: profile gives
// preferred_username; email gives email and email_verified (nothing when
// the account has no address).
#include <string_view>

#include <boost/json/object.hpp>

#include "store/records.hpp"

namespace latchkey::oidc {

void add_user_claims(boost::json::object& claims, const store::User& user, std::string_view scope);

}  // namespace latchkey::oidc
