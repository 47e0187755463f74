// web/csrf.hpp: a binding's token verifies, and nothing else does (another
// binding's token, a tampered one, another key's, empty or oversized input).
#include "web/csrf.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>

#include "crypto/base64url.hpp"
#include "crypto/random.hpp"

namespace latchkey::web {
namespace {

class WebCsrf : public ::testing::Test {
 protected:
  void SetUp() override { crypto::init(); }
  Csrf csrf{std::string(32, 'k')};
};

TEST_F(WebCsrf, ATokenIsHmacSha256OfTheBinding) {
  // RFC 4231 test case 6: a 131-byte key.
  const Csrf rfc(std::string(131, '\xaa'));
  const auto expected = crypto::base64url_encode(
      "\x60\xe4\x31\x59\x1e\xe0\xb6\x7f\x0d\x8a\x26\xaa\xcb\xf5\xb7\x7f"
      "\x8e\x0b\xc6\x21\x37\x28\xc5\x14\x05\x46\x04\x0f\x0e\xe3\x7f\x54");
  EXPECT_EQ(rfc.token_for("Test Using Larger Than Block-Size Key - Hash Key First"), expected);
}

TEST_F(WebCsrf, RoundTrips) {
  const std::string binding = csrf.new_binding();
  EXPECT_TRUE(csrf.verify(binding, csrf.token_for(binding)));
  // Another instance with the same key (another server) agrees.
  EXPECT_TRUE(Csrf(std::string(32, 'k')).verify(binding, csrf.token_for(binding)));
}

TEST_F(WebCsrf, BindingsAre32RandomBytes) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string b = csrf.new_binding();
    EXPECT_EQ(b.size(), 43u);
    EXPECT_EQ(crypto::base64url_decode(b).value_or("").size(), 32u);
    seen.insert(b);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST_F(WebCsrf, RefusesAnotherBindingsToken) {
  const std::string mine = csrf.new_binding();
  const std::string theirs = csrf.new_binding();
  EXPECT_FALSE(csrf.verify(mine, csrf.token_for(theirs)));
}

TEST_F(WebCsrf, RefusesATamperedToken) {
  const std::string binding = csrf.new_binding();
  const std::string token = csrf.token_for(binding);
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(csrf.verify(binding, t)) << i;
  }
  EXPECT_FALSE(csrf.verify(binding, token + "A"));
  EXPECT_FALSE(csrf.verify(binding, token.substr(1)));
  EXPECT_FALSE(csrf.verify(binding + "x", token));
}

TEST_F(WebCsrf, RefusesAnotherKeysToken) {
  const std::string binding = csrf.new_binding();
  EXPECT_FALSE(Csrf(std::string(32, 'j')).verify(binding, csrf.token_for(binding)));
}

TEST_F(WebCsrf, RefusesEmptyAndOversizedInput) {
  const std::string binding = csrf.new_binding();
  EXPECT_FALSE(csrf.verify(binding, ""));
  EXPECT_FALSE(csrf.verify("", csrf.token_for("")));
  EXPECT_FALSE(csrf.verify("", ""));
  const std::string huge(10'000, 'a');
  EXPECT_FALSE(csrf.verify(huge, csrf.token_for(huge)));
  EXPECT_FALSE(csrf.verify(binding, std::string(10'000, 'a')));
}

TEST_F(WebCsrf, RefusesAShortKey) {
  EXPECT_THROW(Csrf(std::string(31, 'k')), std::invalid_argument);
  EXPECT_THROW(Csrf(""), std::invalid_argument);
}

}  // namespace
}  // namespace latchkey::web
