#pragma once
// Cookies: reading a request's Cookie header (RFC 6265 sections 4.2.1 and
// 5.4) and writing Set-Cookie fields (RFC 6265 section 4.1, with the
// __Host- and __Secure- prefixes and SameSite of draft-ietf-httpbis-rfc6265bis).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "http/message.hpp"

namespace latchkey::http {

struct Cookie {
  std::string_view name;
  std::string_view value;  // without the DQUOTEs of a quoted value
};

// The pairs of a Cookie header, `name=value; name2=value2`, in order, as
// views into `header`. Tolerant of what clients send: spaces and tabs around
// pairs, names and values, empty pairs, a value in DQUOTEs (returned without
// them). A malformed pair is skipped, the others kept: no '=', a name that
// is not a token, a value with a byte outside cookie-octet (space, DQUOTE,
// ',', ';', '\\', controls, non-ASCII).
std::vector<Cookie> parse_cookies(std::string_view header);

// The value of the first well-formed pair named `name` (case-sensitive), or
// nullopt. When a name appears twice the FIRST wins: browsers send the
// cookie with the longest Path first (RFC 6265 section 5.4), the one most
// specific to the request. Allocates nothing.
std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name);
// The same in req's Cookie field. A client sends one (RFC 6265 section
// 5.4); were there several, only the first is read.
std::optional<std::string_view> find_cookie(const Request& req, std::string_view name);

enum class SameSite { lax, strict, none };

// A Set-Cookie field's content. Defaults are the safe ones: HttpOnly,
// Secure, SameSite=Lax, Path=/, host-only (no Domain), ending with the
// browser session.
struct SetCookie {
  std::string_view name = {};
  std::string_view value = {};
  std::string_view path = "/";
  std::string_view domain = {};              // empty: host-only
  std::optional<std::int64_t> max_age = {};  // seconds; none: a session cookie; 0 or less: delete now (Max-Age=0)
  std::optional<std::int64_t> expires = {};  // Unix time, as Expires, for clients that predate Max-Age
  bool http_only = true;
  bool secure = true;
  SameSite same_site = SameSite::lax;
};

enum class CookieError {
  bad_name,      // not a token
  bad_value,     // a byte outside cookie-octet
  too_long,      // name and value above 4096 bytes: browsers drop it (rfc6265bis 5.6)
  bad_path,      // not starting with '/', or a control or ';'
  bad_domain,    // not a host name
  prefix_rules,  // __Secure-: needs Secure; __Host-: needs Secure, Path=/ and no Domain
  same_site_none_needs_secure,  // browsers refuse SameSite=None without Secure
};

// "name=value; Path=/; Max-Age=3600; Expires=...; HttpOnly; Secure;
// SameSite=Lax", the value of a Set-Cookie field; or why it cannot be.
// Refusing rather than repairing: a __Host- cookie without Secure, say, is a
// bug to see, and the browser would drop it silently.
tl::expected<std::string, CookieError> set_cookie(const SetCookie& c);

// "__Host-" + base under HTTPS; `base` alone otherwise. A __Host- cookie
// must be Secure, and browsers refuse a Secure cookie set over plain HTTP
// (some make an exception for localhost, not all): a server reached at
// http://localhost in development names its cookies without the prefix and
// sets them with secure = false.
std::string cookie_name(std::string_view base, bool https);

}  // namespace latchkey::http
