#pragma once
// The token endpoint's grants, one file each, chosen by grant_type from the
// table in endpoints/token.cpp (as node-oidc-provider's lib/actions/grants):
//  - authorization_code.cpp (RFC 6749 4.1.3, OpenID Connect Core 3.1.3),
//  - refresh_token.cpp (RFC 6749 6, with latchkey's rotation),
//  - client_credentials.cpp (RFC 6749 4.4).
// A grant runs after the client authenticated, on the database lane
// (it reads and writes the store; signing is a small part of its time).
#include <functional>

#include <boost/json/object.hpp>
#include <tl/expected.hpp>

#include "auth/options.hpp"
#include "http/form.hpp"
#include "oidc/client_registry.hpp"
#include "oidc/oauth_error.hpp"
#include "oidc/provider.hpp"

namespace latchkey::oidc {

struct GrantRequest {
  const Provider& provider;
  const Client& client;  // authenticated
  const http::FormFields& form;
  auth::Client from;     // where the request came from (sessions, audit)
};

// The token response (RFC 6749 5.1). Signing costs more than the database
// work (an RS256 id_token: 0.26 ms of a core), and on SQLite the database
// lane is one thread: what a grant signs is left to `sign_later`, which
// the endpoint runs on its I/O thread after the lane's work (measured
// before: 0.49 ms of the lane per code flow, 64% of it the RS256 signature,
// and the lane was the flow's bound).
struct Granted {
  boost::json::object body;
  std::function<void(boost::json::object&)> sign_later = {};  // adds the signed members to body
};

// The token response, or the error to answer (5.2).
using GrantResult = tl::expected<Granted, OAuthError>;
using Grant = GrantResult (*)(const GrantRequest&);

GrantResult authorization_code_grant(const GrantRequest& r);
GrantResult refresh_token_grant(const GrantRequest& r);
GrantResult client_credentials_grant(const GrantRequest& r);

// The scopes of a space-separated list, in order, without repeats.
std::vector<std::string> scope_list(std::string_view scope);
bool has_scope(std::string_view scope, std::string_view one);

}  // namespace latchkey::oidc
