#pragma once
// CSRF protection of the pages' forms: a double-submit cookie, bound by HMAC.
//
// The browser holds a random binding in a cookie (kCsrfCookie, see
// web/page_cookies.hpp); every form carries token_for(binding) in its csrf
// field. A POST is accepted only when verify(cookie, field) holds. Another
// site can make a browser send the cookie but can neither read it nor compute
// its token without the key, and a cookie planted by a sibling subdomain (no
// __Host- prefix under plain HTTP) has no valid token without the key either.
//
// Usage, by the endpoints:
//   GET:  binding = cookie if present, else csrf.new_binding() and set the
//         cookie; render the form with csrf.token_for(binding).
//   POST: refuse (403, a page) unless csrf.verify(cookie, form["csrf"]).
#include <string>
#include <string_view>

namespace latchkey::web {

inline constexpr std::string_view kCsrfCookie = "lk_csrf";

class Csrf {
 public:
  // `key`: at least 32 random bytes, used for nothing else, the same on
  // every instance behind one address. Shorter: std::invalid_argument.
  explicit Csrf(std::string key);

  // A fresh binding for the cookie: 32 random bytes, base64url (43 chars).
  std::string new_binding() const;

  // The form's token: base64url(HMAC-SHA-256(key, binding)), 43 chars.
  std::string token_for(std::string_view binding) const;

  // Whether `token` is binding's token; in time independent of the token's
  // contents. False for an empty or oversized binding or token.
  bool verify(std::string_view binding, std::string_view token) const;

 private:
  std::string key_;
};

}  // namespace latchkey::web
