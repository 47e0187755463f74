// POST /consent: the consent page's answer. Allow: the consent is
// remembered (per user, client and scopes) and the request resumes to its
// code; deny: the client hears access_denied. Either way the request is
// checked again in full first.
#include <charconv>
#include <system_error>

#include "oidc/endpoints/authorization_flow.hpp"
#include "oidc/endpoints/pages.hpp"

namespace latchkey::oidc {

Answer consent(const Provider& p, const http::Request& req) {
  auto form = form_of(req);
  if (!form) co_return error_page(p, req, 400, "Invalid request", "The form could not be read.");
  if (!csrf_ok(p, req, *form))
    co_return error_page(p, req, 403, "This form has expired", "Go back, reload the page and try again.");
  auto return_to = form->find("return_to");
  auto request = return_to == form->end() ? std::nullopt : resumed_request(return_to->second);
  if (!request) co_return error_page(p, req, 400, "Invalid request", "The consent request is missing or malformed.");
  auto decision = form->find("decision");
  Resume resume;
  if (auto signed_in = request->find(kSignedInField); signed_in != request->end()) {
    const std::string& v = signed_in->second;
    UnixSeconds at = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), at);
    if (ec == std::errc() && end == v.data() + v.size() && at > 0) resume.signed_in_at = at;
  }
  if (decision != form->end() && decision->second == "allow") resume.consented_now = true;
  else if (decision != form->end() && decision->second == "deny") resume.denied = true;
  else co_return error_page(p, req, 400, "Invalid request", "Choose Allow or Deny.");
  co_return co_await run_authorization(p, req, *request, resume);
}

}  // namespace latchkey::oidc
