#pragma once
// What an authorization request leads to, decided in named steps from what
// is known (OpenID Connect Core 3.1.2.3 to 3.1.2.6): sign in (or again),
// consent, or a code. Pure: the endpoint reads the browser session and the
// consent first and acts on the outcome; this only decides, so every rule is
// tested without HTTP or a database.
#include <optional>
#include <string_view>

#include "oidc/authorization_request.hpp"
#include "oidc/browser_sessions.hpp"
#include "oidc/client_metadata.hpp"
#include "store/records.hpp"

namespace latchkey::oidc {

enum class Outcome {
  sign_in,           // show the login page
  ask_consent,       // show the consent page
  issue_code,        // redirect with a code
  login_required,    // prompt=none, and the person would have to sign in
  consent_required,  // prompt=none, and the person would have to consent
};

struct AuthorizationState {
  const AuthorizationRequest& request;
  const ClientMetadata& client;
  const BrowserSession* session = nullptr;  // the live browser session, if any
  const store::Consent* consent = nullptr;  // what this person let this client do, if anything
  std::optional<std::string_view> hinted_sub = {};  // id_token_hint's subject, when it verified
  bool signed_in_now = false;  // the person entered a credential in this very request
  bool consented_now = false;  // the person allowed this very request's scopes
  UnixSeconds now = 0;
};

Outcome decide(const AuthorizationState& s);

// True when `granted` (space-separated) holds every scope of `wanted`.
bool covers(std::string_view granted, const std::vector<std::string>& wanted);

}  // namespace latchkey::oidc
