#pragma once
// RFC 9110's smallest rules (section 5.6), for the header fields and request
// parts that we parse ourselves: Cookie names (cookies.cpp), Forwarded
// elements (client_address.cpp), request methods (router.cpp).
#include <string_view>

namespace latchkey::http {

// tchar (RFC 9110 section 5.6.2): the characters of a token.
constexpr bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// token = 1*tchar
constexpr bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// OWS (RFC 9110 section 5.6.3): optional spaces and horizontal tabs.
constexpr bool is_ows(char c) { return c == ' ' || c == '\t'; }

// `s` without the OWS around it.
constexpr std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace latchkey::http
