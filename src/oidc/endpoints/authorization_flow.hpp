#pragma once
// The authorization request's path through the hosted pages. /authorize
// starts it; the login and consent forms carry the request along (as its
// query string, `return_to`) and resume it here once the person has signed
// in or answered, so the request is checked again in full at every step and
// no page ever redirects anywhere the client did not register.
#include <optional>

#include "http/form.hpp"
#include "oidc/endpoints/endpoints.hpp"

namespace latchkey::oidc {

struct Resume {
  // The person just signed in (the login form): this session, and the
  // handle to set as its cookie when it is new.
  std::optional<BrowserSession> session;
  std::string new_handle;
  bool signed_in_now = false;
  bool consented_now = false;  // the consent form said allow
  bool denied = false;         // the consent form said deny
};

// `resume` is the caller's, alive until this completes (by reference: GCC 12
// destroys a by-value coroutine parameter's default argument wrongly).
Answer run_authorization(const Provider& p, const http::Request& req, const http::FormFields& fields,
                         const Resume& resume);

// Added to the consent form's `return_to` when the person signed in for this
// very request; read only by POST /consent, whose CSRF token vouches for it
// (/authorize ignores it like any unknown parameter).
inline constexpr std::string_view kSignedInField = "lk_signed_in";

// The request behind a form's `return_to`: a query string of /authorize's.
std::optional<http::FormFields> resumed_request(std::string_view return_to);

}  // namespace latchkey::oidc
