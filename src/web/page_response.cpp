#include "web/page_response.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

namespace latchkey::web {

namespace {

// A CSP host-source or scheme-source as we accept one: something with a
// scheme, of the characters URLs are made of, and nothing that would end the
// source or the directive (space, ';', ',', quote).
bool valid_origin(std::string_view s) {
  return s.find(':') != std::string_view::npos && std::ranges::all_of(s, [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  std::string_view("-._~:/[]*+%").find(c) != std::string_view::npos;
         });
}

// "sha256-", "sha384-" or "sha512-", then base64.
bool valid_hash(std::string_view s) {
  if (!(s.starts_with("sha256-") || s.starts_with("sha384-") || s.starts_with("sha512-"))) return false;
  s.remove_prefix(7);
  return !s.empty() && std::ranges::all_of(s, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/' || c == '=';
  });
}

}  // namespace

std::string content_security_policy(const PagePolicy& policy) {
  std::string csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'";
  for (const std::string& origin : policy.form_action) {
    if (valid_origin(origin)) csp.append(" ").append(origin);
  }
  csp += "; frame-ancestors 'none'; base-uri 'none'";
  std::string scripts;
  for (const std::string& hash : policy.script_hashes) {
    if (valid_hash(hash)) scripts.append(" '").append(hash).append("'");
  }
  if (!scripts.empty()) csp.append("; script-src").append(scripts);
  if (policy.connect_self) csp += "; connect-src 'self'";
  return csp;
}

http::Response page_response(std::string html, const PagePolicy& policy, unsigned status) {
  http::Response r;
  r.status = status;
  r.body = std::move(html);
  r.content_type = "text/html; charset=utf-8";
  r.cache_control = "no-store";
  r.headers.emplace_back("Content-Security-Policy", content_security_policy(policy));
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  return r;
}

}  // namespace latchkey::web
