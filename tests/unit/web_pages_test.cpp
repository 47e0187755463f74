// web/pages.hpp, page_response.hpp and page_cookies.hpp: every page is a
// complete, accessible document with no inline script or style; request data
// comes out escaped; the response carries the security headers; page cookies
// are named and flagged by the scheme.
#include "web/pages.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "http_test_util.hpp"
#include "web/csrf.hpp"
#include "web/page_cookies.hpp"
#include "web/page_response.hpp"

namespace latchkey::web {
namespace {

const Templates& templates() {
  static const Templates t = *Templates::load(std::nullopt);
  return t;
}

bool has(const std::string& html, std::string_view part) { return html.find(part) != std::string::npos; }

int count(const std::string& html, std::string_view part) {
  int n = 0;
  for (auto at = html.find(part); at != std::string::npos; at = html.find(part, at + 1)) ++n;
  return n;
}

// The value of attribute `name` in one tag's text, or "" without it.
std::string attribute(const std::string& tag, const std::string& name) {
  std::smatch m;
  const std::regex re("\\s" + name + "=\"([^\"]*)\"");
  return std::regex_search(tag, m, re) ? m[1].str() : "";
}

std::vector<std::string> tags(const std::string& html, const std::string& element) {
  std::vector<std::string> out;
  const std::regex re("<" + element + "\\b[^>]*>");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it) {
    out.push_back(it->str());
  }
  return out;
}

// What every page must be: see the checks.
void expect_sound_document(const std::string& html, bool form) {
  SCOPED_TRACE(html);
  EXPECT_TRUE(html.starts_with("<!doctype html>\n<html lang=\"en\">"));
  EXPECT_TRUE(has(html, "<meta charset=\"utf-8\">"));
  EXPECT_TRUE(has(html, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
  EXPECT_TRUE(has(html, "<link rel=\"stylesheet\" href=\"/assets/style.css?v="));
  EXPECT_EQ(count(html, "<main>"), 1);
  EXPECT_EQ(count(html, "<h1>"), 1);
  EXPECT_TRUE(has(html, "<title>"));
  // No script, no inline style, nothing from elsewhere.
  EXPECT_FALSE(has(html, "<script"));
  EXPECT_FALSE(has(html, "<style"));
  EXPECT_FALSE(has(html, " style="));
  EXPECT_FALSE(std::regex_search(html, std::regex("\\son[a-z]+=")));  // event handler attributes
  EXPECT_FALSE(has(html, "src="));
  EXPECT_FALSE(has(html, "//cdn"));
  // Every visible input has a label pointing at it; at most one autofocus.
  std::set<std::string> labelled;
  for (const std::string& label : tags(html, "label")) labelled.insert(attribute(label, "for"));
  for (const std::string& input : tags(html, "input")) {
    if (attribute(input, "type") == "hidden") continue;
    const std::string id = attribute(input, "id");
    EXPECT_FALSE(id.empty()) << input;
    EXPECT_TRUE(labelled.contains(id)) << input;
  }
  EXPECT_LE(count(html, " autofocus"), 1);
  if (form) {
    EXPECT_EQ(count(html, "<form method=\"post\""), 1);
    EXPECT_EQ(count(html, "<input type=\"hidden\" name=\"csrf\" value=\"tok\">"), 1);
  } else {
    EXPECT_FALSE(has(html, "<form"));
  }
}

TEST(WebPages, LoginIsSoundAndEscapesWhatItIsGiven) {
  const std::string html = render_page(templates(), LoginPage{.action = "/login",
                                                             .csrf = "tok",
                                                             .return_to = "a\"b",
                                                             .client_name = "<b>App</b>",
                                                             .login_hint = "<script>alert(1)</script>",
                                                             .error = std::string(kWrongCredentials)});
  expect_sound_document(html, true);
  EXPECT_TRUE(has(html, "<h1>Sign in</h1>"));
  EXPECT_TRUE(has(html, "to continue to <strong>&lt;b&gt;App&lt;/b&gt;</strong>"));
  EXPECT_TRUE(has(html, "value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""));
  EXPECT_TRUE(has(html, "name=\"return_to\" value=\"a&quot;b\""));
  EXPECT_TRUE(has(html, "<p class=\"error\" role=\"alert\">Wrong username or password.</p>"));
  EXPECT_TRUE(has(html, "action=\"/login\""));
  EXPECT_TRUE(has(html, "autocomplete=\"username\""));
  EXPECT_TRUE(has(html, "type=\"password\" autocomplete=\"current-password\""));
  // With a hint the password field has the focus.
  EXPECT_TRUE(has(html, "autocomplete=\"current-password\" required autofocus>"));
  EXPECT_FALSE(has(html, "Create an account"));
}

TEST(WebPages, LoginShowsOnlyWhatIsGiven) {
  const std::string html = render_page(templates(), LoginPage{.action = "/login", .csrf = "tok"});
  expect_sound_document(html, true);
  EXPECT_FALSE(has(html, "role=\"alert\""));
  EXPECT_FALSE(has(html, "to continue to"));
  EXPECT_TRUE(has(html, "spellcheck=\"false\" required autofocus>"));
  const std::string with_signup =
      render_page(templates(), LoginPage{.action = "/login", .csrf = "tok", .signup_url = "/signup?x=1&y=2"});
  EXPECT_TRUE(has(with_signup, "<a href=\"/signup?x=1&amp;y=2\">Create an account</a>"));
}

TEST(WebPages, SignupIsSound) {
  const std::string html = render_page(templates(), SignupPage{.action = "/signup",
                                                               .csrf = "tok",
                                                               .return_to = "r",
                                                               .username = "<me>",
                                                               .error = "That username is taken.",
                                                               .password_hint = "At least 12 characters.",
                                                               .login_url = "/login"});
  expect_sound_document(html, true);
  EXPECT_TRUE(has(html, "value=\"&lt;me&gt;\""));
  EXPECT_TRUE(has(html, "role=\"alert\">That username is taken."));
  EXPECT_TRUE(has(html, "autocomplete=\"new-password\""));
  EXPECT_TRUE(has(html, "aria-describedby=\"password-hint\""));
  EXPECT_TRUE(has(html, "id=\"password-hint\">At least 12 characters."));
  EXPECT_TRUE(has(html, "name=\"return_to\" value=\"r\""));
  EXPECT_FALSE(has(html, "password_confirm"));
}

TEST(WebPages, ConsentListsTheScopesAndOffersBothDecisions) {
  const std::string html = render_page(templates(), ConsentPage{.action = "/consent",
                                                                .csrf = "tok",
                                                                .return_to = "r",
                                                                .client_name = "Photo <Print>",
                                                                .username = "<alice>",
                                                                .scopes = {{"openid", "Sign you in"},
                                                                           {"email", "See your <email> address"},
                                                                           {"x<y", ""}}});
  expect_sound_document(html, true);
  EXPECT_TRUE(has(html, "<h1>Photo &lt;Print&gt; wants to:</h1>"));
  EXPECT_TRUE(has(html, "<li>Sign you in</li>"));
  EXPECT_TRUE(has(html, "<li>See your &lt;email&gt; address</li>"));
  EXPECT_TRUE(has(html, "<li>x&lt;y</li>"));
  EXPECT_TRUE(has(html, "Signed in as <strong>&lt;alice&gt;</strong>"));
  EXPECT_TRUE(has(html, "name=\"decision\" value=\"allow\""));
  EXPECT_TRUE(has(html, "name=\"decision\" value=\"deny\""));
  EXPECT_EQ(count(html, " autofocus"), 0);  // no accidental Enter on Allow
}

TEST(WebPages, LogoutConfirmCarriesTheHiddenFields) {
  const std::string html = render_page(
      templates(), LogoutConfirmPage{.action = "/logout",
                                     .csrf = "tok",
                                     .hidden = {{"post_logout_redirect_uri", "https://app/?a=1&b=\"2\""},
                                                {"state", "s"}},
                                     .cancel_url = "https://app.example.com/"});
  expect_sound_document(html, true);
  EXPECT_TRUE(has(html, "<h1>Sign out of latchkey?</h1>"));
  EXPECT_TRUE(has(html, "<input type=\"hidden\" name=\"post_logout_redirect_uri\" "
                        "value=\"https://app/?a=1&amp;b=&quot;2&quot;\">"));
  EXPECT_TRUE(has(html, "<input type=\"hidden\" name=\"state\" value=\"s\">"));
  EXPECT_TRUE(has(html, ">Sign out</button>"));
  EXPECT_TRUE(has(html, "href=\"https://app.example.com/\">Cancel</a>"));
  EXPECT_FALSE(has(render_page(templates(), LogoutConfirmPage{.action = "/logout", .csrf = "tok"}), "Cancel"));
}

TEST(WebPages, LoggedOutAndErrorHaveNoFormAndNoWayOut) {
  const std::string out = render_page(templates(), LoggedOutPage{});
  expect_sound_document(out, false);
  EXPECT_TRUE(has(out, "You are signed out."));

  const std::string error = render_page(
      templates(), ErrorPage{.title = "Invalid request",
                             .message = "The <redirect> address is wrong.",
                             .detail = "invalid_redirect_uri"});
  expect_sound_document(error, false);
  EXPECT_TRUE(has(error, "<title>Invalid request · latchkey</title>"));
  EXPECT_TRUE(has(error, "<h1>Invalid request</h1>"));
  EXPECT_TRUE(has(error, "The &lt;redirect&gt; address is wrong."));
  EXPECT_TRUE(has(error, "invalid_redirect_uri"));
  EXPECT_FALSE(has(error, "<a "));
  EXPECT_FALSE(has(error, "http-equiv"));
  EXPECT_FALSE(has(render_page(templates(), ErrorPage{.title = "T", .message = "M"}), "class=\"detail\""));
}

TEST(WebPages, ReauthenticateSaysHowLongTheConfirmationLasts) {
  const std::string one = render_page(templates(), ReauthenticatePage{.csrf = "tok", .username = "ann", .minutes = 1});
  expect_sound_document(one, true);
  EXPECT_TRUE(has(one, "You then have 1 minute."));
  const std::string five = render_page(templates(), ReauthenticatePage{.csrf = "tok", .username = "ann", .minutes = 5});
  EXPECT_TRUE(has(five, "You then have 5 minutes."));
}

TEST(WebPages, PasswordHintCountsTheCharacters) {
  EXPECT_EQ(password_hint(12), "At least 12 characters.");
  EXPECT_EQ(password_hint(1), "At least 1 character.");
}

TEST(WebPages, RefusesUrlsThatAreNotOursOrHttp) {
  for (const char* url : {"javascript:alert(1)", "data:text/html,x", "//evil.example", "/\\evil.example",
                          "/\t/evil.example", "JavaScript:x", "login"}) {
    EXPECT_THROW(render_page(templates(), LoginPage{.action = url}), std::invalid_argument) << url;
    EXPECT_THROW(render_page(templates(), LoginPage{.action = "/login", .signup_url = url}), std::invalid_argument)
        << url;
  }
  EXPECT_NO_THROW(render_page(templates(), LoginPage{.action = "https://id.example.com/login"}));
}

std::string header(const http::Response& r, std::string_view name) {
  std::string out;
  for (const auto& [k, v] : r.headers) {
    if (http::iequals(k, name)) out += (out.empty() ? "" : "|") + v;
  }
  return out;
}

TEST(WebPageResponse, CarriesTheSecurityHeaders) {
  const http::Response r = page_response("<!doctype html>", {}, 400);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body, "<!doctype html>");
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.cache_control, "no-store");
  EXPECT_EQ(header(r, "Content-Security-Policy"),
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'");
  EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(header(r, "X-Frame-Options"), "DENY");
}

TEST(WebPageResponse, FormActionTakesTheClientsOriginsAndNothingThatBreaksThePolicy) {
  const PagePolicy policy{.form_action = {"https://app.example.com", "com.example.app:", "http://127.0.0.1:8080",
                                          "https://a.example; script-src *", "https://b.example 'unsafe-inline'",
                                          "https://c.example,x", "*", ""},
                          .script_hashes = {"sha256-abc+/=", "sha256-x'; y", "md5-abc"}};
  EXPECT_EQ(content_security_policy(policy),
            "default-src 'none'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self' https://app.example.com com.example.app: http://127.0.0.1:8080; "
            "frame-ancestors 'none'; base-uri 'none'; script-src 'sha256-abc+/='");
}

TEST(WebPageCookies, UseTheHostPrefixAndSecureOnlyUnderHttps) {
  http::Response r;
  set_page_cookie(r, kCsrfCookie, "abc", true);
  set_page_cookie(r, kCsrfCookie, "abc", false, 600);
  clear_page_cookie(r, "lk_session", true);
  ASSERT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(r.headers[0].first, "Set-Cookie");
  EXPECT_EQ(r.headers[0].second, "__Host-lk_csrf=abc; Path=/; HttpOnly; Secure; SameSite=Lax");
  EXPECT_EQ(r.headers[1].second, "lk_csrf=abc; Path=/; Max-Age=600; HttpOnly; SameSite=Lax");
  EXPECT_EQ(r.headers[2].second, "__Host-lk_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
  EXPECT_THROW(set_page_cookie(r, "lk_csrf", "a;b", true), std::invalid_argument);
}

TEST(WebPageCookies, AreReadUnderTheNameTheyAreSetWith) {
  const testing::MapHeaders headers{{"Cookie", "lk_csrf=plain; __Host-lk_csrf=prefixed"}};
  const http::Request req(headers);
  EXPECT_EQ(find_page_cookie(req, kCsrfCookie, true), "prefixed");
  EXPECT_EQ(find_page_cookie(req, kCsrfCookie, false), "plain");
  EXPECT_EQ(find_page_cookie(req, "lk_session", true), std::nullopt);
}

}  // namespace
}  // namespace latchkey::web
