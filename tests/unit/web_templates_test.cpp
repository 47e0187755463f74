// web/templates.hpp: escaping, raw Html, sections, parse errors with their
// line, and the theme directory overriding the built-in files.
#include "web/templates.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "temp_dir.hpp"
#include "web/pages.hpp"

namespace latchkey::web {
namespace {

Template parsed(std::string text) {
  auto t = Template::parse(std::move(text));
  if (!t) throw std::runtime_error(t.error());
  return std::move(*t);
}

std::string render(std::string text, const Values& v) { return parsed(std::move(text)).render(v).str(); }

std::string parse_error(std::string text) {
  auto t = Template::parse(std::move(text));
  return t ? "parsed" : t.error();
}

void write(const std::string& path, std::string_view text) { std::ofstream(path, std::ios::binary) << text; }

TEST(WebTemplate, EscapesEveryValue) {
  Values v;
  v.text("user", "<script>alert('x')</script> & \"q\"");
  EXPECT_EQ(render("<p>{{user}}</p>", v),
            "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</p>");
  EXPECT_EQ(render("<input value=\"{{user}}\">", Values().text("user", "\"><b>")),
            "<input value=\"&quot;&gt;&lt;b&gt;\">");
}

TEST(WebTemplate, AMissingValueRendersEmpty) {
  EXPECT_EQ(render("a{{nothing}}b{{{nor_this}}}c", Values{}), "abc");
}

TEST(WebTemplate, ValuesAreNeverTemplatesThemselves) {
  EXPECT_EQ(render("{{a}}", Values().text("a", "{{b}}").text("b", "no")), "{{b}}");
}

TEST(WebTemplate, TripleBracesWriteOnlyHtmlUnescaped) {
  const Html inner = parsed("<b>{{x}}</b>").render(Values().text("x", "<i>"));
  EXPECT_EQ(inner.str(), "<b>&lt;i&gt;</b>");
  EXPECT_EQ(render("<div>{{{content}}}</div>", Values().html("content", inner)), "<div><b>&lt;i&gt;</b></div>");
  // Text in a triple-brace placeholder is still escaped; Html in a double one too.
  EXPECT_EQ(render("{{{content}}}", Values().text("content", "<script>")), "&lt;script&gt;");
  EXPECT_EQ(render("{{content}}", Values().html("content", inner)), "&lt;b&gt;&amp;lt;i&amp;gt;&lt;/b&gt;");
}

TEST(WebTemplate, SectionsShowOnNonEmptyAndInvertedOnEmpty) {
  const std::string t = "[{{#a}}yes {{a}}{{/a}}{{^a}}no{{/a}}]";
  EXPECT_EQ(render(t, Values().text("a", "x")), "[yes x]");
  EXPECT_EQ(render(t, Values().text("a", "")), "[no]");
  EXPECT_EQ(render(t, Values{}), "[no]");
  EXPECT_EQ(render(t, Values().flag("a", true)), "[yes 1]");
  EXPECT_EQ(render(t, Values().flag("a", false)), "[no]");
}

TEST(WebTemplate, SectionsNest) {
  const std::string t = "{{#a}}A{{#b}}B{{/b}}{{^b}}-{{/b}}{{/a}}.";
  EXPECT_EQ(render(t, Values().flag("a", true).flag("b", true)), "AB.");
  EXPECT_EQ(render(t, Values().flag("a", true)), "A-.");
  EXPECT_EQ(render(t, Values().flag("b", true)), ".");
  EXPECT_EQ(render("{{#a}}{{#a}}twice{{/a}}{{/a}}", Values().flag("a", true)), "twice");
}

TEST(WebTemplate, TheLastValueSetWins) {
  EXPECT_EQ(render("{{a}}", Values().text("a", "1").text("a", "2")), "2");
}

TEST(WebTemplate, RefusesMalformedTagsWithTheirLine) {
  EXPECT_EQ(parse_error("a\n{{name"), "line 2: \"{{\" without its \"}}\"");
  EXPECT_EQ(parse_error("{{{name}}"), "line 1: \"{{{\" without its \"}}}\"");
  EXPECT_EQ(parse_error("{{ name }}"), "line 1: bad name \" name \" (1 to 64 of A-Z a-z 0-9 _)");
  EXPECT_EQ(parse_error("{{}}"), "line 1: bad name \"\" (1 to 64 of A-Z a-z 0-9 _)");
  EXPECT_EQ(parse_error("{{!comment}}"), "line 1: bad name \"!comment\" (1 to 64 of A-Z a-z 0-9 _)");
  EXPECT_EQ(parse_error("{{" + std::string(65, 'a') + "}}").substr(0, 16), "line 1: bad name");
  // A stray "{{" does not swallow the next line's tag.
  EXPECT_EQ(parse_error("{{a\n}}"), "line 1: \"{{\" without its \"}}\"");
}

TEST(WebTemplate, RefusesUnbalancedSections) {
  EXPECT_EQ(parse_error("x\n{{#a}}\n\nx"), "line 2: section \"a\" is never closed");
  EXPECT_EQ(parse_error("{{#a}}{{#b}}{{/b}}\n"), "line 1: section \"a\" is never closed");
  EXPECT_EQ(parse_error("{{/a}}"), "line 1: {{/a}} closes no open section of that name");
  EXPECT_EQ(parse_error("{{#a}}{{#b}}{{/a}}{{/b}}"), "line 1: {{/a}} closes no open section of that name");
  EXPECT_EQ(parse_error("{{a}}{{/a}}"), "line 1: {{/a}} closes no open section of that name");
}

TEST(WebTemplate, PlainTextAndLoneBracesPassThrough) {
  EXPECT_EQ(render("", Values{}), "");
  EXPECT_EQ(render("a } }} { b", Values{}), "a } }} { b");
}

TEST(WebTemplates, TheBuiltInOnesLoad) {
  auto t = Templates::load(std::nullopt);
  ASSERT_TRUE(t) << t.error();
  for (const char* name : {"layout.html", "login.html", "signup.html", "consent.html", "scope_item.html",
                           "logout_confirm.html", "hidden_field.html", "logged_out.html", "error.html"}) {
    EXPECT_NO_THROW(t->at(name)) << name;
  }
  EXPECT_THROW(t->at("nope.html"), std::out_of_range);
  EXPECT_NE(t->css().find(":focus-visible"), std::string_view::npos);
}

TEST(WebTemplates, TheStylesheetHashIsItsSha256) {
  auto t = Templates::load(std::nullopt);
  ASSERT_TRUE(t);
  const std::string digest = crypto::sha256(t->css());
  EXPECT_EQ(t->css_version(), crypto::base64url_encode(digest));
  ASSERT_EQ(t->css_hash_source().size(), 7u + 44u);
  EXPECT_TRUE(t->css_hash_source().starts_with("sha256-"));
  EXPECT_TRUE(t->css_hash_source().ends_with("="));
  std::string url(t->css_hash_source().substr(7, 43));
  for (char& c : url) c = c == '+' ? '-' : c == '/' ? '_' : c;
  EXPECT_EQ(crypto::base64url_decode(url), digest);
  // The layout links it, so a new stylesheet is a new URL.
  EXPECT_NE(render_page(*t, LoggedOutPage{}).find("/assets/style.css?v=" + std::string(t->css_version())),
            std::string::npos);
}

TEST(WebTemplates, AFileInTheThemeDirectoryBeatsTheBuiltInOne) {
  crypto::init();
  testing::TempDir dir;
  write(dir.file("login.html"), "<p class=\"mine\">{{client_name}}</p>");
  write(dir.file("style.css"), "body { color: #000; }");
  write(dir.file("unrelated.txt"), "{{ignored");
  auto t = Templates::load(std::filesystem::path(dir.file("")));
  ASSERT_TRUE(t) << t.error();
  EXPECT_NE(render_page(*t, LoginPage{.client_name = "<App>"}).find("<p class=\"mine\">&lt;App&gt;</p>"),
            std::string::npos);
  EXPECT_EQ(t->css(), "body { color: #000; }");
  EXPECT_EQ(t->css_version(), crypto::base64url_encode(crypto::sha256("body { color: #000; }")));
  // The others are the built-in ones.
  EXPECT_NE(render_page(*t, LoggedOutPage{}).find("You are signed out."), std::string::npos);
}

TEST(WebTemplates, ABrokenOverrideIsRefusedAtLoad) {
  crypto::init();
  testing::TempDir dir;
  write(dir.file("consent.html"), "<h1>{{client_name}}</h1>\n{{#scopes}}<ul>\n");
  auto t = Templates::load(std::filesystem::path(dir.file("")));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), dir.file("consent.html") + ": line 2: section \"scopes\" is never closed");
  EXPECT_EQ(t.error().find('\n'), std::string::npos);
}

TEST(WebTemplates, AMissingThemeDirectoryIsRefused) {
  crypto::init();
  testing::TempDir dir;
  auto t = Templates::load(std::filesystem::path(dir.file("absent")));
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().find("not a directory"), std::string::npos);
  write(dir.file("file"), "x");
  EXPECT_FALSE(Templates::load(std::filesystem::path(dir.file("file"))));
}

TEST(WebTemplates, AnEmptyOverrideIsAnEmptyTemplate) {
  crypto::init();
  testing::TempDir dir;
  write(dir.file("logged_out.html"), "");
  auto t = Templates::load(std::filesystem::path(dir.file("")));
  ASSERT_TRUE(t) << t.error();
  EXPECT_NE(render_page(*t, LoggedOutPage{}).find("<main>\n\n</main>"), std::string::npos);
}

}  // namespace
}  // namespace latchkey::web
