// http/grammar.hpp: RFC 9110's tchar, token and OWS.
#include "http/grammar.hpp"

#include <gtest/gtest.h>

namespace latchkey::http {
namespace {

TEST(HttpGrammar, TcharIsLettersDigitsAndFifteenMarks) {
  int count = 0;
  for (int c = 0; c < 256; ++c) count += is_tchar(static_cast<char>(c)) ? 1 : 0;
  EXPECT_EQ(count, 26 + 26 + 10 + 15);
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) EXPECT_TRUE(is_tchar(c)) << c;
  for (char c : std::string_view(" \t\"(),/:;<=>?@[\\]{}\x7f")) EXPECT_FALSE(is_tchar(c)) << c;
}

TEST(HttpGrammar, TokenIsOneOrMoreTchars) {
  static_assert(is_token("GET") && is_token("x-custom_1"));
  EXPECT_FALSE(is_token(""));
  EXPECT_FALSE(is_token("two words"));
  EXPECT_FALSE(is_token("a=b"));
  EXPECT_FALSE(is_token(std::string_view("nul\0", 4)));
}

TEST(HttpGrammar, TrimOwsTakesSpacesAndTabsOnly) {
  static_assert(trim_ows(" \t value \t") == "value");
  EXPECT_EQ(trim_ows(""), "");
  EXPECT_EQ(trim_ows(" \t "), "");
  EXPECT_EQ(trim_ows("a b"), "a b");
  EXPECT_EQ(trim_ows("\r\nx\r\n"), "\r\nx\r\n");  // CR and LF are no OWS
}

}  // namespace
}  // namespace latchkey::http
