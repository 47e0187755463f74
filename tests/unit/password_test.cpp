#include "crypto/password.hpp"

#include <gtest/gtest.h>

#include "crypto/random.hpp"

using namespace latchkey::crypto;

namespace {
// OWASP's argon2id parameters, as the server uses them.
const PasswordParams kOwasp{};
}  // namespace

TEST(Password, HashIsArgon2idAtOwaspParameters) {
  init();
  auto h = hash_password("password123", kOwasp);
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(h->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *h;
}

TEST(Password, VerifiesRightAndRefusesWrong) {
  init();
  auto h = hash_password("correct horse", kOwasp).value();
  EXPECT_TRUE(verify_password(h, "correct horse"));
  EXPECT_FALSE(verify_password(h, "correct horsf"));
  EXPECT_FALSE(verify_password(h, ""));
  EXPECT_FALSE(verify_password(h, "correct horse "));
}

TEST(Password, SamePasswordHashesDifferently) {
  init();
  EXPECT_NE(hash_password("same", kOwasp).value(), hash_password("same", kOwasp).value());
}

TEST(Password, NeverTruncatesLongPasswords) {
  init();
  std::string longpw(1024, 'a');
  auto h = hash_password(longpw, kOwasp).value();
  EXPECT_TRUE(verify_password(h, longpw));
  std::string other = longpw;
  other.back() = 'b';
  EXPECT_FALSE(verify_password(h, other));
}

TEST(Password, MalformedStoredHashIsAFailureNotACrash) {
  EXPECT_FALSE(verify_password("", "x"));
  EXPECT_FALSE(verify_password("$argon2id$garbage", "x"));
  EXPECT_FALSE(verify_password(std::string(500, '$'), "x"));
  EXPECT_TRUE(needs_rehash("", kOwasp));
}

TEST(Password, NeedsRehashWhenParametersChange) {
  init();
  PasswordParams weak{1, 8u * 1024u * 1024u};
  auto h = hash_password("pw", weak).value();
  EXPECT_TRUE(needs_rehash(h, kOwasp));
  EXPECT_FALSE(needs_rehash(h, weak));
}
