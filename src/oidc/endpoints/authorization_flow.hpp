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
  // The consent form's marker (kSignedInField): the auth_time of the sign-in
  // that led to it; 0 when none.
  UnixSeconds signed_in_at = 0;
  bool consented_now = false;  // the consent form said allow
  bool denied = false;         // the consent form said deny
};

// `resume` is the caller's, alive until this completes (by reference: GCC 12
// destroys a by-value coroutine parameter's default argument wrongly).
Answer run_authorization(const Provider& p, const http::Request& req, const http::FormFields& fields,
                         const Resume& resume);

// Added to the consent form's `return_to` when the person signed in for this
// very request, so that consenting does not ask for the credential again
// (prompt=login, max_age): the session's auth_time then. Read only by POST
// /consent (/authorize ignores it like any unknown parameter), and honoured
// only while the session's auth_time is still that one and at most
// kSignedInMarkerSeconds old: the CSRF token vouches for the form's origin,
// not for its fields, so a marker written by hand or kept from an older
// sign-in skips nothing.
inline constexpr std::string_view kSignedInField = "lk_signed_in";
inline constexpr UnixSeconds kSignedInMarkerSeconds = 600;

// The request behind a form's `return_to`: a query string of /authorize's.
std::optional<http::FormFields> resumed_request(std::string_view return_to);

}  // namespace latchkey::oidc
