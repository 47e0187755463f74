// GET and POST /authorize (OpenID Connect Core 3.1.2.1: both must be
// supported). The request's parameters come from the query or, for POST,
// from the form body; the rest is the authorization flow's.
#include "http/form.hpp"
#include "oidc/endpoints/authorization_flow.hpp"
#include "oidc/endpoints/pages.hpp"

namespace latchkey::oidc {

Answer authorize(const Provider& p, const http::Request& req) {
  const bool post = req.method == "POST";
  auto fields = http::parse_form(post ? req.body : req.query);
  // A repeated or malformed parameter: which client or redirect URI was meant
  // is unknown, so an error page and no redirect (RFC 6749 3.1, 4.1.2.1).
  if (!fields) {
    co_return error_page(p, req, 400, "Invalid request",
                         fields.error() == http::FormError::repeated_field
                             ? "A parameter was sent more than once."
                             : "The request's parameters are malformed.");
  }
  const Resume fresh;
  co_return co_await run_authorization(p, req, *fields, fresh);
}

}  // namespace latchkey::oidc
