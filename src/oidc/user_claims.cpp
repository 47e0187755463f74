#include "oidc/user_claims.hpp"

#include "oidc/grants/grants.hpp"

namespace latchkey::oidc {

void add_user_claims(boost::json::object& claims, const store::User& user, std::string_view scope) {
  if (has_scope(scope, "profile")) claims["preferred_username"] = user.username;
  if (has_scope(scope, "email") && !user.email.empty()) {
    claims["email"] = user.email;
    claims["email_verified"] = user.email_verified;
  }
}

}  // namespace latchkey::oidc
