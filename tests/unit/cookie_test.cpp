// http/cookies.hpp: the Cookie header as clients send it, and Set-Cookie
// fields with their attributes and the __Host- / __Secure- prefix rules.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/cookies.hpp"
#include "http_test_util.hpp"

namespace latchkey::http {
namespace {

std::vector<std::string> pairs(std::string_view header) {
  std::vector<std::string> out;
  for (const Cookie& c : parse_cookies(header)) out.push_back(std::string(c.name) + "=" + std::string(c.value));
  return out;
}

using Pairs = std::vector<std::string>;

TEST(CookieHeader, ReadsPairsInOrder) {
  EXPECT_EQ(pairs("a=1; b=2"), (Pairs{"a=1", "b=2"}));
  EXPECT_EQ(pairs("sid=abc"), (Pairs{"sid=abc"}));
  EXPECT_EQ(pairs(""), Pairs{});
  EXPECT_EQ(pairs("a="), (Pairs{"a="}));  // an empty value is a value
}

TEST(CookieHeader, ToleratesSpacesTabsAndEmptyPairs) {
  EXPECT_EQ(pairs("  a = 1 ;b=2;\t c=3\t;;  ; "), (Pairs{"a=1", "b=2", "c=3"}));
  EXPECT_EQ(pairs("a=1;b=2"), (Pairs{"a=1", "b=2"}));
}

TEST(CookieHeader, UnquotesQuotedValues) {
  EXPECT_EQ(pairs("a=\"xyz\"; b=\"\""), (Pairs{"a=xyz", "b="}));
  EXPECT_EQ(pairs("a=\"; b=ok"), (Pairs{"b=ok"}));      // a lone DQUOTE is no cookie-octet
  EXPECT_EQ(pairs("a=\"x\"y\"; b=ok"), (Pairs{"b=ok"}));  // nor one inside
}

TEST(CookieHeader, SkipsMalformedPairsAndKeepsTheRest) {
  EXPECT_EQ(pairs("noequals; =v; bad name=1; (x)=2; c=has space; d=a,b; e=back\\slash; f=\xc3\xa9; g=ok"),
            (Pairs{"g=ok"}));
  EXPECT_EQ(pairs("a=1=2"), (Pairs{"a=1=2"}));  // '=' is a cookie-octet
  EXPECT_EQ(pairs("a=\x01; b=2"), (Pairs{"b=2"}));
}

TEST(CookieHeader, TheFirstOfARepeatedNameWins) {
  EXPECT_EQ(find_cookie("sid=first; other=x; sid=second", "sid"), "first");
  EXPECT_EQ(find_cookie("sid=bad value; sid=good", "sid"), "good");  // the first well-formed one
  EXPECT_EQ(find_cookie("a=1", "A"), std::nullopt);                // names are case-sensitive
  EXPECT_EQ(find_cookie("a=1; b=", "b"), "");
  EXPECT_EQ(find_cookie("", "a"), std::nullopt);
}

TEST(CookieHeader, FindsInARequest) {
  latchkey::testing::MapHeaders headers({{"Cookie", "theme=dark; __Host-sid=s3cr3t"}});
  const Request req(headers);
  EXPECT_EQ(find_cookie(req, "__Host-sid"), "s3cr3t");
  EXPECT_EQ(find_cookie(req, "sid"), std::nullopt);
  latchkey::testing::MapHeaders none;
  EXPECT_EQ(find_cookie(Request(none), "sid"), std::nullopt);
}

TEST(SetCookieField, DefaultsAreTheSafeOnes) {
  EXPECT_EQ(set_cookie({.name = "sid", .value = "abc"}).value(), "sid=abc; Path=/; HttpOnly; Secure; SameSite=Lax");
}

TEST(SetCookieField, WritesEveryAttribute) {
  const auto s = set_cookie({.name = "pref",
                             .value = "v1",
                             .path = "/app",
                             .domain = "example.com",
                             .max_age = 3600,
                             .expires = 784111777,
                             .http_only = false,
                             .secure = true,
                             .same_site = SameSite::strict});
  EXPECT_EQ(s.value(),
            "pref=v1; Path=/app; Domain=example.com; Max-Age=3600; Expires=Sun, 06 Nov 1994 08:49:37 GMT; "
            "Secure; SameSite=Strict");
  EXPECT_EQ(set_cookie({.name = "x", .value = "", .max_age = -5, .same_site = SameSite::none}).value(),
            "x=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=None");
  EXPECT_EQ(set_cookie({.name = "dev", .value = "1", .secure = false}).value(), "dev=1; Path=/; HttpOnly; SameSite=Lax");
}

TEST(SetCookieField, RefusesBadNamesValuesPathsAndDomains) {
  for (std::string_view name : {"", "a b", "a;b", "a=b", "a\"", "caf\xc3\xa9", "(x)"})
    EXPECT_EQ(set_cookie({.name = name, .value = "v"}).error(), CookieError::bad_name) << name;
  for (std::string_view value : {"a b", "a;b", "a,b", "\"quoted\"", "back\\slash", "\x7f", "\xc3\xa9"})
    EXPECT_EQ(set_cookie({.name = "n", .value = value}).error(), CookieError::bad_value) << value;
  EXPECT_EQ(set_cookie({.name = "n", .value = std::string(4096, 'v')}).error(), CookieError::too_long);
  EXPECT_TRUE(set_cookie({.name = "n", .value = std::string(4095, 'v')}).has_value());
  for (std::string_view path : {"", "app", "/a;b", "/a\r\nX: y"})
    EXPECT_EQ(set_cookie({.name = "n", .value = "v", .path = path}).error(), CookieError::bad_path) << path;
  for (std::string_view domain : {"exa mple.com", "a;b", "a\r\n"})
    EXPECT_EQ(set_cookie({.name = "n", .value = "v", .domain = domain}).error(), CookieError::bad_domain);
}

TEST(SetCookieField, EnforcesThePrefixRules) {
  // __Host-: Secure, Path=/ and no Domain, or nothing.
  EXPECT_TRUE(set_cookie({.name = "__Host-sid", .value = "v"}).has_value());
  EXPECT_EQ(set_cookie({.name = "__Host-sid", .value = "v", .secure = false}).error(), CookieError::prefix_rules);
  EXPECT_EQ(set_cookie({.name = "__Host-sid", .value = "v", .path = "/app"}).error(), CookieError::prefix_rules);
  EXPECT_EQ(set_cookie({.name = "__Host-sid", .value = "v", .domain = "example.com"}).error(),
            CookieError::prefix_rules);
  EXPECT_EQ(set_cookie({.name = "__host-sid", .value = "v", .secure = false}).error(), CookieError::prefix_rules);
  // __Secure-: Secure.
  EXPECT_TRUE(set_cookie({.name = "__Secure-x", .value = "v", .path = "/app", .domain = "example.com"}).has_value());
  EXPECT_EQ(set_cookie({.name = "__Secure-x", .value = "v", .secure = false}).error(), CookieError::prefix_rules);
  // SameSite=None without Secure is dropped by browsers.
  EXPECT_EQ(set_cookie({.name = "x", .value = "v", .secure = false, .same_site = SameSite::none}).error(),
            CookieError::same_site_none_needs_secure);
}

TEST(SetCookieField, NamesWithThePrefixOnlyUnderHttps) {
  EXPECT_EQ(cookie_name("sid", true), "__Host-sid");
  EXPECT_EQ(cookie_name("sid", false), "sid");
  // Under HTTPS the prefixed cookie comes out Secure, Path=/, host-only.
  const std::string name = cookie_name("sid", true);
  const std::string field = set_cookie({.name = name, .value = "v"}).value();
  EXPECT_TRUE(field.starts_with("__Host-sid=v; Path=/;")) << field;
  EXPECT_NE(field.find("; Secure"), std::string::npos);
  EXPECT_EQ(field.find("Domain="), std::string::npos);
  // Over plain HTTP (development on localhost) the plain name can go without Secure.
  EXPECT_TRUE(set_cookie({.name = cookie_name("sid", false), .value = "v", .secure = false}).has_value());
}

}  // namespace
}  // namespace latchkey::http
