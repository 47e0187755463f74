#include "auth/username.hpp"

#include <gtest/gtest.h>

#include "auth/common_passwords.hpp"

using latchkey::auth::normalize_username;

TEST(Username, TrimmedNfcAndCaseFolded) {
  auto n = normalize_username("  Alice \t", 64).value();
  EXPECT_EQ(n.display, "Alice");
  EXPECT_EQ(n.key, "alice");
  // "é" as e + combining acute, and as one code point: one name.
  auto decomposed = normalize_username("Ren\x65\xcc\x81", 64).value();
  auto composed = normalize_username("REN\xc3\x89", 64).value();
  EXPECT_EQ(decomposed.display, "Ren\xc3\xa9");
  EXPECT_EQ(decomposed.key, composed.key);
  EXPECT_EQ(normalize_username("Stra\xc3\x9f" "e", 64)->key, normalize_username("STRASSE", 64)->key);
}

TEST(Username, LengthInCharacters) {
  EXPECT_TRUE(normalize_username(std::string(64, 'a'), 64).has_value());
  EXPECT_FALSE(normalize_username(std::string(65, 'a'), 64).has_value());
  std::string cjk;
  for (int i = 0; i < 64; ++i) cjk += "\xe5\xaf\x86";  // 64 characters, 192 bytes
  EXPECT_TRUE(normalize_username(cjk, 64).has_value());
}

TEST(Username, RefusesEmptyAndControlCharacters) {
  for (const char* bad : {"", "   ", "a\nb", "a\x01" "b", "tab\there", "a\xc2\x85" "b", "x\xe2\x80\xa8y",
                          "zero\xe2\x80\x8b" "width", "bidi\xe2\x80\xae" "evil", "\xef\xbb\xbf" "bom"}) {
    EXPECT_FALSE(normalize_username(bad, 64).has_value()) << bad;
  }
}

TEST(CommonPasswords, TheListIsBuiltIn) {
  EXPECT_EQ(latchkey::auth::common_password_count(), 10000u);
  EXPECT_TRUE(latchkey::auth::is_common_password("password"));
  EXPECT_TRUE(latchkey::auth::is_common_password("PASSWORD1"));
  EXPECT_TRUE(latchkey::auth::is_common_password("qwerty"));
  EXPECT_FALSE(latchkey::auth::is_common_password("correct horse battery staple"));
}
