// Authorization codes and the keys they are kept under (oidc/code_key.hpp).
#include <gtest/gtest.h>

#include <set>

#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "oidc/code_key.hpp"

namespace latchkey::oidc {
namespace {

bool base64url(std::string_view s) {
  return s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string_view::npos;
}

TEST(OidcCodeKey, ACodeIs38BytesOfBase64urlAndNeverRepeats) {
  crypto::init();
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string code = new_code();
    EXPECT_EQ(code.size(), 51u);
    EXPECT_TRUE(base64url(code)) << code;
    EXPECT_TRUE(seen.insert(code).second);
  }
}

TEST(OidcCodeKey, TheKeyIsTheTimePrefixAndTheDigestOfTheWholeCode) {
  crypto::init();
  const std::string code = new_code();
  const std::string key = code_key(code);
  EXPECT_EQ(key, code.substr(0, 8) + "." + crypto::token_digest(code));
  // The key gives the secret part away no more than a digest does.
  EXPECT_EQ(key.find(code.substr(8)), std::string::npos);
  EXPECT_EQ(code_key(code), key);  // the same code, the same key
}

TEST(OidcCodeKey, CodesMadeTogetherShareTheirKeysPrefixSoTheIndexGrowsInOrder) {
  crypto::init();
  const std::string a = code_key(new_code());
  const std::string b = code_key(new_code());
  EXPECT_EQ(a.substr(0, 6), b.substr(0, 6));  // the same few seconds
  EXPECT_NE(a, b);
}

TEST(OidcCodeKey, WhatIsNoCodeOfOursGetsAKeyNoCodeHas) {
  crypto::init();
  const std::string code = new_code();
  for (const std::string& other : {std::string(), std::string("x"), code.substr(1), code + "A"}) {
    const std::string key = code_key(other);
    EXPECT_EQ(key, crypto::token_digest(other));
    EXPECT_EQ(key.find('.'), std::string::npos);  // every real code's key has one
  }
  // One character changed anywhere: another key.
  std::string changed = code;
  changed.back() = changed.back() == 'A' ? 'B' : 'A';
  EXPECT_NE(code_key(changed), code_key(code));
}

}  // namespace
}  // namespace latchkey::oidc
