// libFuzzer target: cookies (http/cookies.hpp).
//
// The input is read twice:
//  - whole, as a Cookie request header: every pair parse_cookies returns has
//    a token name and a cookie-octet value, viewed inside the header, and
//    find_cookie finds the first pair of each name;
//  - as a Set-Cookie to build: a flags byte (HttpOnly, Secure, SameSite,
//    Max-Age, Expires), then name, value, path and domain separated by '\n'.
//    An accepted one reads back, as a Cookie header would carry it, as the
//    same name and value; holds no control character (no field injection);
//    and a __Host- one is Secure, Path=/ and host-only. A refused one is
//    refused for a reason the inputs show.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/cookies.hpp"

namespace {

using namespace latchkey;

void expect(bool ok) {
  if (!ok) std::abort();
}

bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_cookie_octet(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

void check_header(std::string_view header) {
  const std::vector<http::Cookie> cookies = http::parse_cookies(header);
  const char* begin = header.data();
  const char* end = header.data() + header.size();
  for (std::size_t i = 0; i < cookies.size(); ++i) {
    const http::Cookie& c = cookies[i];
    expect(!c.name.empty());
    for (char ch : c.name) expect(is_tchar(ch));
    for (char ch : c.value) expect(is_cookie_octet(ch));
    expect(c.name.data() >= begin && c.name.data() + c.name.size() <= end);
    expect(c.value.empty() || (c.value.data() >= begin && c.value.data() + c.value.size() <= end));
    // The first of a name wins.
    std::size_t first = 0;
    while (cookies[first].name != c.name) ++first;
    const auto found = http::find_cookie(header, c.name);
    expect(found.has_value() && *found == cookies[first].value);
  }
  expect(!http::find_cookie(header, "no such name").has_value());
}

// Browsers match the prefixes case-insensitively, and so does the builder.
bool has_prefix(std::string_view name, std::string_view prefix) {
  if (name.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char a = name[i] >= 'A' && name[i] <= 'Z' ? static_cast<char>(name[i] + 32) : name[i];
    const char b = prefix[i] >= 'A' && prefix[i] <= 'Z' ? static_cast<char>(prefix[i] + 32) : prefix[i];
    if (a != b) return false;
  }
  return true;
}

std::string_view next_piece(std::string_view& rest) {
  const std::size_t cut = rest.find('\n');
  const std::string_view piece = rest.substr(0, cut);
  rest = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + 1);
  return piece;
}

void check_builder(std::string_view input) {
  if (input.empty()) return;
  const auto flags = static_cast<unsigned char>(input[0]);
  std::string_view rest = input.substr(1);
  http::SetCookie c;
  c.name = next_piece(rest);
  c.value = next_piece(rest);
  if (flags & 0x01) c.path = next_piece(rest);
  if (flags & 0x02) c.domain = next_piece(rest);
  c.http_only = flags & 0x04;
  c.secure = flags & 0x08;
  c.same_site = (flags & 0x30) == 0x10 ? http::SameSite::strict
                : (flags & 0x30) == 0x20 ? http::SameSite::none
                                         : http::SameSite::lax;
  if (flags & 0x40) c.max_age = static_cast<std::int64_t>(input.size()) - 100;
  if (flags & 0x80) c.expires = static_cast<std::int64_t>(input.size()) * 86'400 * 365;
  const auto built = http::set_cookie(c);
  if (!built) {
    if (built.error() == http::CookieError::prefix_rules) expect(!c.secure || has_prefix(c.name, "__Host-"));
    if (built.error() == http::CookieError::same_site_none_needs_secure)
      expect(!c.secure && c.same_site == http::SameSite::none);
    return;
  }
  const std::string& field = *built;
  for (unsigned char ch : field) expect(ch >= 0x20 && ch != 0x7f);
  const std::string pair = std::string(c.name) + "=" + std::string(c.value);
  expect(field.starts_with(pair + "; Path="));
  const auto back = http::parse_cookies(pair);
  expect(back.size() == 1 && back[0].name == c.name && back[0].value == c.value);
  if (has_prefix(c.name, "__Host-")) {
    expect(field.find("; Secure") != std::string::npos);
    expect(field.starts_with(pair + "; Path=/;"));
    expect(field.find("; Domain=") == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_header(input);
  check_builder(input);
  return 0;
}
