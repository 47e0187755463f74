#include "oidc/authorization.hpp"

#include <algorithm>

namespace latchkey::oidc {

namespace {

// Step 1: is the person signed in, recently enough, as whom the client expects?
bool needs_sign_in(const AuthorizationState& s) {
  if (s.signed_in_now) return false;
  if (!s.session) return true;
  const AuthorizationRequest& r = s.request;
  // prompt=login: the client wants a credential entered now, even with a session.
  if (r.prompt.login) return true;
  // max_age: the last credential is too old (Core 3.1.2.1). max_age=0 is
  // prompt=login (errata set 2), even for a credential of this same second.
  if (r.max_age && (*r.max_age == 0 || s.session->auth_time() + *r.max_age < s.now)) return true;
  // id_token_hint names someone else: that person must sign in (Core 3.1.2.6
  // says to answer login_required under prompt=none).
  if (s.hinted_sub && *s.hinted_sub != s.session->user.id) return true;
  return false;
}

// Step 2: has the person let this client have these scopes?
bool needs_consent(const AuthorizationState& s) {
  if (s.consented_now || s.client.first_party) return false;
  if (s.request.prompt.consent) return true;
  return !s.consent || !covers(s.consent->scope, s.request.scopes);
}

}  // namespace

bool covers(std::string_view granted, const std::vector<std::string>& wanted) {
  for (const std::string& w : wanted) {
    bool found = false;
    std::size_t start = 0;
    while (start <= granted.size() && !found) {
      std::size_t end = granted.find(' ', start);
      if (end == std::string_view::npos) end = granted.size();
      found = granted.substr(start, end - start) == w;
      start = end + 1;
    }
    if (!found) return false;
  }
  return true;
}

Outcome decide(const AuthorizationState& s) {
  const bool silent = s.request.prompt.none;
  if (needs_sign_in(s)) return silent ? Outcome::login_required : Outcome::sign_in;
  if (needs_consent(s)) return silent ? Outcome::consent_required : Outcome::ask_consent;
  return Outcome::issue_code;
}

}  // namespace latchkey::oidc
