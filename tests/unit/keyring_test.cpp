#include "auth/key_bootstrap.hpp"

#include <gtest/gtest.h>

#include "crypto/random.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"
#include "token/jwt.hpp"

using namespace latchkey;
using namespace latchkey::auth;

namespace {

constexpr UnixSeconds kT0 = 1'800'000'000;

class KeyringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    store_ = std::make_unique<store::sqlite::SqliteStore>(dir_.file("keys.db"));
  }
  KeyPolicy policy(token::Alg alg = token::Alg::ES256) { return KeyPolicy{std::nullopt, alg, 900, 30}; }

  latchkey::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace

TEST_F(KeyringTest, FirstStartGeneratesOneKeyOfTheConfiguredAlgorithm) {
  auto ks = load_signing_keys(*store_, policy(), kT0).value();
  EXPECT_EQ(ks.current().alg, token::Alg::ES256);
  EXPECT_EQ(ks.keys().size(), 1u);
  // A restart finds the same key.
  EXPECT_EQ(load_signing_keys(*store_, policy(), kT0 + 5)->current().kid, ks.current().kid);
  EXPECT_EQ(store_->keys().list()->size(), 1u);
}

TEST_F(KeyringTest, RotationPublishesFirstThenSignsThenRetiresTheOldKey) {
  const auto old_kid = load_signing_keys(*store_, policy(), kT0)->current().kid;
  auto fresh = rotate_signing_key(*store_, token::Alg::ES256, kT0 + 100, 600).value();

  auto before = load_signing_keys(*store_, policy(), kT0 + 200).value();
  EXPECT_EQ(before.current().kid, old_kid);                   // still signing
  EXPECT_NE(before.find(fresh.kid), nullptr);                 // already published
  EXPECT_EQ(before.jwks().at("keys").as_array().size(), 2u);

  auto after = load_signing_keys(*store_, policy(), kT0 + 700).value();
  EXPECT_EQ(after.current().kid, fresh.kid);
  EXPECT_NE(after.find(old_kid), nullptr);  // its tokens may still be live

  auto later = load_signing_keys(*store_, policy(), kT0 + 700 + 900 + 31).value();
  EXPECT_EQ(later.find(old_kid), nullptr);  // every token it signed has expired
  auto rows = store_->keys().list().value();
  for (const auto& r : rows) {
    const auto state = key_state(r, rows, policy(), kT0 + 700 + 900 + 31);
    EXPECT_EQ(state, r.kid == old_kid ? KeyState::expired : KeyState::signing);
  }
}

TEST_F(KeyringTest, TokensOfTheOldKeyVerifyAcrossARotation) {
  auto ks = load_signing_keys(*store_, policy(token::Alg::EdDSA), kT0).value();
  token::AccessClaims c{"iss", "aud", "sub", "name", "sid", "jti", kT0, kT0 + 900};
  const auto tok = token::sign_access_token(c, ks.current());
  ASSERT_TRUE(rotate_signing_key(*store_, token::Alg::EdDSA, kT0 + 10, 0));
  auto next = load_signing_keys(*store_, policy(token::Alg::EdDSA), kT0 + 20).value();
  EXPECT_NE(next.current().kid, ks.current().kid);
  EXPECT_TRUE(token::verify_access_token(tok, next, {"iss", "aud", 30, false}, kT0 + 20).has_value());
}

TEST_F(KeyringTest, ChangingTheAlgorithmRotatesAtOnce) {
  auto es = load_signing_keys(*store_, policy(token::Alg::ES256), kT0).value();
  auto rs = load_signing_keys(*store_, policy(token::Alg::RS256), kT0 + 1).value();
  EXPECT_EQ(rs.current().alg, token::Alg::RS256);
  EXPECT_NE(rs.find(es.current().kid), nullptr);
}

TEST_F(KeyringTest, SecretKeyMeansHs256UnderItAndNothingStored) {
  const std::string secret(40, 's');
  auto ks = load_signing_keys(*store_, KeyPolicy{secret, token::Alg::ES256, 900, 30}, kT0).value();
  ASSERT_EQ(ks.keys().size(), 1u);
  EXPECT_EQ(ks.current().alg, token::Alg::HS256);
  EXPECT_EQ(ks.current().secret, secret);
  EXPECT_TRUE(ks.jwks().at("keys").as_array().empty());
  EXPECT_TRUE(store_->keys().list()->empty());
}
