#include "web/page_cookies.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "http/cookies.hpp"

namespace latchkey::web {

void set_page_cookie(http::Response& r, std::string_view base, std::string_view value, bool https,
                     std::optional<std::int64_t> max_age) {
  const std::string name = http::cookie_name(base, https);
  auto field = http::set_cookie({.name = name,
                                 .value = value,
                                 .max_age = max_age,
                                 .http_only = true,
                                 .secure = https,
                                 .same_site = http::SameSite::lax});
  if (!field) throw std::invalid_argument("bad page cookie " + name);
  r.headers.emplace_back("Set-Cookie", std::move(*field));
}

void clear_page_cookie(http::Response& r, std::string_view base, bool https) {
  set_page_cookie(r, base, "", https, 0);
}

std::optional<std::string_view> find_page_cookie(const http::Request& req, std::string_view base, bool https) {
  return http::find_cookie(req, http::cookie_name(base, https));
}

}  // namespace latchkey::web
