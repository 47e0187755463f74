#pragma once
// An HTML page as an http::Response, with the headers that keep it safe to
// show: a strict Content-Security-Policy (our stylesheet only, no script by
// default, forms only to us and to the origins given, no framing),
// Referrer-Policy: no-referrer (the query of an authorization request must
// not leak to the next site), X-Frame-Options: DENY (for browsers without
// frame-ancestors) and Cache-Control: no-store. X-Content-Type-Options:
// nosniff is the server's default on every answer.
#include <string>
#include <vector>

#include "http/message.hpp"

namespace latchkey::web {

struct PagePolicy {
  // Origins besides our own a form of the page may lead to, e.g.
  // "https://app.example.com" or "com.example.app:". Browsers apply
  // form-action to the redirects that follow a form's POST as well: the login
  // and consent pages list the origin of the client's redirect URI here, or
  // the final redirect to the client is blocked. Give origins
  // (scheme://host[:port]) or schemes ("myapp:"), not URLs with a query.
  // A source that is not one (no ':'; a space, quote, ';' or ',', any byte
  // outside a URL's) is left out: the redirect fails, closed, rather than
  // the policy being rewritten by it.
  std::vector<std::string> form_action = {};
  // Inline scripts allowed, as "sha256-<base64>" (the quotes are added);
  // none by default, and then no script runs at all. Malformed: left out.
  std::vector<std::string> script_hashes = {};
  // connect-src 'self': the page's script may call our own endpoints (the
  // login page fetches its passkey challenge).
  bool connect_self = false;
};

// The Content-Security-Policy value for `policy`:
// default-src 'none'; style-src 'self'; img-src 'self' data:;
// form-action 'self' <origins>; frame-ancestors 'none'; base-uri 'none'
// [; script-src '<hash>' ...].
std::string content_security_policy(const PagePolicy& policy = {});

// `html` (a render_page result) answered with `status` and the headers above.
http::Response page_response(std::string html, const PagePolicy& policy = {}, unsigned status = 200);

}  // namespace latchkey::web
