#pragma once
// The cookies of the web pages (the CSRF binding, the login session): one
// naming and one set of attributes for all of them.
//
// Under HTTPS a cookie is "__Host-<base>", Secure, Path=/, no Domain: the
// browser then guarantees that only this host, over HTTPS, could have set
// it (a sibling subdomain cannot plant one). Under plain HTTP (development
// at http://localhost) browsers refuse that prefix without Secure, and some
// refuse Secure cookies altogether: the cookie is "<base>", not Secure.
// Always HttpOnly and SameSite=Lax (sent on the top-level navigation back
// from a client, not on another site's POST or fetch).
#include <cstdint>
#include <optional>
#include <string_view>

#include "http/message.hpp"

namespace latchkey::web {

// Adds its Set-Cookie field to `r`. `max_age`: seconds; none, a session
// cookie. The value must be cookie-octets (base64url is): otherwise, or for
// a bad base name, throws std::invalid_argument (a bug of the caller's).
void set_page_cookie(http::Response& r, std::string_view base, std::string_view value, bool https,
                     std::optional<std::int64_t> max_age = std::nullopt);

// Adds a Set-Cookie field that deletes it (empty, Max-Age=0).
void clear_page_cookie(http::Response& r, std::string_view base, bool https);

// Its value in the request, read under the same name it is set with (under
// HTTPS only the __Host- one counts); nullopt when absent.
std::optional<std::string_view> find_page_cookie(const http::Request& req, std::string_view base, bool https);

}  // namespace latchkey::web
