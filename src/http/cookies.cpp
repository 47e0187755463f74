#include "http/cookies.hpp"

#include <array>
#include <charconv>
#include <ctime>

#include "http/grammar.hpp"

namespace latchkey::http {

namespace {

constexpr std::size_t npos = std::string_view::npos;

// cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E (RFC 6265 4.1.1):
// US-ASCII but controls, space, DQUOTE, comma, semicolon and backslash.
bool is_cookie_octets(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\') return false;
  }
  return true;
}

// The next well-formed pair of `rest`, which it consumes; nullopt at the end.
std::optional<Cookie> next_cookie(std::string_view& rest) {
  while (!rest.empty()) {
    const std::size_t semi = rest.find(';');
    const std::string_view pair = rest.substr(0, semi);
    rest = semi == npos ? std::string_view() : rest.substr(semi + 1);
    const std::size_t eq = pair.find('=');
    if (eq == npos) continue;
    const std::string_view name = trim_ows(pair.substr(0, eq));
    std::string_view value = trim_ows(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (is_token(name) && is_cookie_octets(value)) return Cookie{name, value};
  }
  return std::nullopt;
}

// av-octet: any CHAR but controls and ';' (RFC 6265 4.1.1).
bool is_path(std::string_view s) {
  if (!s.starts_with('/')) return false;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == ';') return false;
  }
  return true;
}

bool is_domain(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
      return false;
  }
  return true;
}

void append_number(std::string& out, std::int64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  (void)ec;  // 24 characters hold any int64
  out.append(digits, end);
}

// IMF-fixdate (RFC 9110 section 5.6.7), "Sun, 06 Nov 1994 08:49:37 GMT",
// with English names whatever the locale.
void append_http_date(std::string& out, std::int64_t unix_seconds) {
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = static_cast<std::time_t>(unix_seconds < 0 ? 0 : unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  auto two = [&](int v) {
    out.push_back(static_cast<char>('0' + v / 10));
    out.push_back(static_cast<char>('0' + v % 10));
  };
  out.append(kDays[static_cast<std::size_t>(tm.tm_wday)]).append(", ");
  two(tm.tm_mday);
  out.append(" ").append(kMonths[static_cast<std::size_t>(tm.tm_mon)]).append(" ");
  append_number(out, tm.tm_year + 1900);
  out.push_back(' ');
  two(tm.tm_hour);
  out.push_back(':');
  two(tm.tm_min);
  out.push_back(':');
  two(tm.tm_sec);
  out.append(" GMT");
}

std::optional<CookieError> check(const SetCookie& c) {
  if (!is_token(c.name)) return CookieError::bad_name;
  if (!is_cookie_octets(c.value)) return CookieError::bad_value;
  if (c.name.size() + c.value.size() > 4096) return CookieError::too_long;
  if (!is_path(c.path)) return CookieError::bad_path;
  if (!c.domain.empty() && !is_domain(c.domain)) return CookieError::bad_domain;
  // rfc6265bis section 4.1.3; browsers match the prefixes case-insensitively.
  auto has_prefix = [&](std::string_view p) {
    if (c.name.size() < p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if ((c.name[i] | 0x20) != (p[i] | 0x20)) return false;
    }
    return true;
  };
  if (has_prefix("__Secure-") && !c.secure) return CookieError::prefix_rules;
  if (has_prefix("__Host-") && (!c.secure || c.path != "/" || !c.domain.empty())) return CookieError::prefix_rules;
  if (c.same_site == SameSite::none && !c.secure) return CookieError::same_site_none_needs_secure;
  return std::nullopt;
}

}  // namespace

std::vector<Cookie> parse_cookies(std::string_view header) {
  std::vector<Cookie> out;
  while (auto c = next_cookie(header)) out.push_back(*c);
  return out;
}

std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name) {
  while (auto c = next_cookie(header)) {
    if (c->name == name) return c->value;
  }
  return std::nullopt;
}

std::optional<std::string_view> find_cookie(const Request& req, std::string_view name) {
  return find_cookie(req.header("Cookie"), name);
}

tl::expected<std::string, CookieError> set_cookie(const SetCookie& c) {
  if (auto error = check(c)) return tl::unexpected(*error);
  std::string out;
  out.reserve(c.name.size() + c.value.size() + c.path.size() + c.domain.size() + 96);
  out.append(c.name).append("=").append(c.value);
  out.append("; Path=").append(c.path);
  if (!c.domain.empty()) out.append("; Domain=").append(c.domain);
  if (c.max_age) {
    out.append("; Max-Age=");
    append_number(out, *c.max_age > 0 ? *c.max_age : 0);
  }
  if (c.expires) {
    out.append("; Expires=");
    append_http_date(out, *c.expires);
  }
  if (c.http_only) out.append("; HttpOnly");
  if (c.secure) out.append("; Secure");
  out.append(c.same_site == SameSite::strict ? "; SameSite=Strict"
             : c.same_site == SameSite::none ? "; SameSite=None"
                                             : "; SameSite=Lax");
  return out;
}

std::string cookie_name(std::string_view base, bool https) {
  return https ? "__Host-" + std::string(base) : std::string(base);
}

}  // namespace latchkey::http
