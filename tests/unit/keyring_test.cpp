#include "auth/key_bootstrap.hpp"

#include <gtest/gtest.h>

#include "crypto/random.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"
#include "token/jwk.hpp"
#include "token/jwt.hpp"
#include "token/key_material.hpp"

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

TEST_F(KeyringTest, FirstStartGeneratesAKeyOfTheConfiguredAlgorithmAndAnRs256One) {
  auto ks = load_signing_keys(*store_, policy(), kT0).value();
  EXPECT_EQ(ks.current().alg, token::Alg::ES256);
  ASSERT_EQ(ks.keys().size(), 2u);
  EXPECT_EQ(ks.signer(token::Alg::ES256), &ks.current());
  ASSERT_NE(ks.signer(token::Alg::RS256), nullptr);
  EXPECT_EQ(ks.signer(token::Alg::EdDSA), nullptr);
  EXPECT_EQ(ks.jwks().at("keys").as_array().size(), 2u);
  // A restart finds the same keys.
  auto again = load_signing_keys(*store_, policy(), kT0 + 5).value();
  EXPECT_EQ(again.current().kid, ks.current().kid);
  EXPECT_EQ(again.signer(token::Alg::RS256)->kid, ks.signer(token::Alg::RS256)->kid);
  EXPECT_EQ(store_->keys().list()->size(), 2u);
}

TEST_F(KeyringTest, RotationPublishesFirstThenSignsThenRetiresTheOldKey) {
  const auto old_kid = load_signing_keys(*store_, policy(), kT0)->current().kid;
  auto fresh = rotate_signing_key(*store_, token::Alg::ES256, kT0 + 100, 600).value();

  auto before = load_signing_keys(*store_, policy(), kT0 + 200).value();
  EXPECT_EQ(before.current().kid, old_kid);                   // still signing
  EXPECT_NE(before.find(fresh.kid), nullptr);                 // already published
  EXPECT_EQ(before.signer(token::Alg::ES256)->kid, old_kid);  // never the upcoming one
  EXPECT_EQ(before.jwks().at("keys").as_array().size(), 3u);  // and the RS256 key

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
  token::AccessClaims c{.iss = "iss", .aud = "aud", .sub = "sub", .username = "name", .sid = "sid", .jti = "jti",
                        .iat = kT0, .exp = kT0 + 900};
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
  // The RS256 key that signed beside ES256 signs everything now ...
  EXPECT_EQ(rs.current().kid, es.signer(token::Alg::RS256)->kid);
  EXPECT_EQ(rs.signer(token::Alg::ES256), nullptr);
  // ... and the ES256 key verifies until its tokens have expired.
  EXPECT_NE(rs.find(es.current().kid), nullptr);
  auto rows = store_->keys().list().value();
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& r : rows) EXPECT_EQ(r.retired_at.has_value(), r.alg == "ES256") << r.kid;
  auto later = load_signing_keys(*store_, policy(token::Alg::RS256), kT0 + 1 + 900 + 31).value();
  EXPECT_EQ(later.keys().size(), 1u);
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

namespace {

// The RS256 key beside the configured one (OpenID Connect Core 15.1).
class KeyBootstrapTest : public KeyringTest {
 protected:
  std::vector<std::string> signing(UnixSeconds at) {
    auto rows = store_->keys().list().value();
    std::vector<std::string> out;
    for (const auto& r : rows) {
      if (key_state(r, rows, policy(), at) == KeyState::signing) out.push_back(r.alg);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

}  // namespace

TEST_F(KeyBootstrapTest, SigningAlgorithmsFollowTheConfiguredOne) {
  using token::Alg;
  EXPECT_EQ(signing_algs(policy(Alg::ES256)), (std::vector<Alg>{Alg::ES256, Alg::RS256}));
  EXPECT_EQ(signing_algs(policy(Alg::EdDSA)), (std::vector<Alg>{Alg::EdDSA, Alg::RS256}));
  EXPECT_EQ(signing_algs(policy(Alg::RS256)), (std::vector<Alg>{Alg::RS256}));
  EXPECT_EQ(signing_algs(policy(Alg::HS256)), (std::vector<Alg>{Alg::HS256}));
}

TEST_F(KeyBootstrapTest, EachAlgorithmRotatesOnItsOwnSchedule) {
  auto ks = load_signing_keys(*store_, policy(), kT0).value();
  const std::string es_kid = ks.current().kid;
  const std::string rs_kid = ks.signer(token::Alg::RS256)->kid;
  EXPECT_EQ(signing(kT0), (std::vector<std::string>{"ES256", "RS256"}));

  // Rotating the access-token key leaves the RS256 key signing.
  auto es2 = rotate_signing_key(*store_, token::Alg::ES256, kT0 + 10, 600).value();
  auto after = load_signing_keys(*store_, policy(), kT0 + 700).value();
  EXPECT_EQ(after.current().kid, es2.kid);
  EXPECT_EQ(after.signer(token::Alg::RS256)->kid, rs_kid);
  EXPECT_NE(after.find(es_kid), nullptr);

  // And the other way round: RS256 published first, signing later.
  auto rs2 = rotate_signing_key(*store_, token::Alg::RS256, kT0 + 800, 600).value();
  auto published = load_signing_keys(*store_, policy(), kT0 + 900).value();
  EXPECT_EQ(published.signer(token::Alg::RS256)->kid, rs_kid);
  EXPECT_NE(published.find(rs2.kid), nullptr);
  EXPECT_EQ(published.current().kid, es2.kid);
  auto rotated = load_signing_keys(*store_, policy(), kT0 + 1400).value();
  EXPECT_EQ(rotated.signer(token::Alg::RS256)->kid, rs2.kid);
  EXPECT_EQ(rotated.current().kid, es2.kid);
  EXPECT_EQ(signing(kT0 + 1400), (std::vector<std::string>{"ES256", "RS256"}));
  // Nothing new was generated along the way.
  EXPECT_EQ(store_->keys().list()->size(), 4u);
}

TEST_F(KeyBootstrapTest, ADatabaseFromBeforeGetsItsRs256KeyAndKeepsItsSigner) {
  auto old = token::generate_key(token::Alg::ES256, "old-es", kT0).value();
  ASSERT_TRUE(store_->keys().add({"old-es", "ES256", token::encode_key_material(old), kT0, kT0, std::nullopt}));
  auto ks = load_signing_keys(*store_, policy(), kT0 + 100).value();
  EXPECT_EQ(ks.current().kid, "old-es");
  ASSERT_NE(ks.signer(token::Alg::RS256), nullptr);
  EXPECT_EQ(store_->keys().list()->size(), 2u);
}

TEST_F(KeyBootstrapTest, ANewAccessTokenAlgorithmKeepsTheRs256Key) {
  auto es = load_signing_keys(*store_, policy(token::Alg::ES256), kT0).value();
  auto ed = load_signing_keys(*store_, policy(token::Alg::EdDSA), kT0 + 1).value();
  EXPECT_EQ(ed.current().alg, token::Alg::EdDSA);
  EXPECT_EQ(ed.signer(token::Alg::RS256)->kid, es.signer(token::Alg::RS256)->kid);
  EXPECT_EQ(ed.signer(token::Alg::ES256), nullptr);  // retired: verifies only
  EXPECT_NE(ed.find(es.current().kid), nullptr);
  EXPECT_EQ(signing(kT0 + 1), (std::vector<std::string>{"EdDSA", "RS256"}));
}

TEST_F(KeyBootstrapTest, Hs256DeploymentsHaveNoRs256Key) {
  auto ks = load_signing_keys(*store_, policy(token::Alg::HS256), kT0).value();
  EXPECT_EQ(ks.keys().size(), 1u);
  EXPECT_EQ(ks.signer(token::Alg::RS256), nullptr);
  EXPECT_EQ(ks.signer(token::Alg::HS256), &ks.current());
  EXPECT_TRUE(ks.jwks().at("keys").as_array().empty());
  // From ES256 to HS256: the RS256 key retires with the ES256 one.
  auto es = load_signing_keys(*store_, policy(token::Alg::ES256), kT0 + 1).value();
  ASSERT_NE(es.signer(token::Alg::RS256), nullptr);
  auto hs = load_signing_keys(*store_, policy(token::Alg::HS256), kT0 + 2).value();
  EXPECT_EQ(hs.current().alg, token::Alg::HS256);
  EXPECT_EQ(hs.signer(token::Alg::RS256), nullptr);
}

TEST(KeySetSigner, TheFirstKeyOfTheAlgorithmThatCanSign) {
  crypto::init();
  auto rs1 = token::generate_key(token::Alg::RS256, "rs1", kT0).value();
  auto es1 = token::generate_key(token::Alg::ES256, "es1", kT0).value();
  auto ed1 = token::generate_key(token::Alg::EdDSA, "ed1", kT0).value();
  auto es2 = token::generate_key(token::Alg::ES256, "es2", kT0).value();
  // Public halves only: they verify, never sign.
  auto es_public = token::key_from_jwk(token::public_jwk(es1), "es-pub").value();
  auto ed_public = token::key_from_jwk(token::public_jwk(ed1), "ed-pub").value();
  auto rs_public = token::key_from_jwk(token::public_jwk(rs1), "rs-pub").value();
  token::KeySet ks({es_public, ed_public, rs_public, es1, es2, ed1});
  EXPECT_EQ(ks.signer(token::Alg::ES256)->kid, "es1");
  EXPECT_EQ(ks.signer(token::Alg::EdDSA)->kid, "ed1");
  EXPECT_EQ(ks.signer(token::Alg::RS256), nullptr);
  EXPECT_EQ(ks.signer(token::Alg::HS256), nullptr);
  token::KeySet with_rsa({rs_public, rs1});
  EXPECT_EQ(with_rsa.signer(token::Alg::RS256)->kid, "rs1");
  token::KeySet hs({token::SigningKey{"hs-empty", token::Alg::HS256, "", kT0, nullptr},
                    token::SigningKey{"hs", token::Alg::HS256, "secret", kT0, nullptr}});
  EXPECT_EQ(hs.signer(token::Alg::HS256)->kid, "hs");
  // Only the first `signing` keys sign; the others (upcoming, retired) verify.
  token::KeySet two_signers({es1, rs1, es2, ed1}, 2);
  EXPECT_EQ(two_signers.signer(token::Alg::ES256)->kid, "es1");
  EXPECT_EQ(two_signers.signer(token::Alg::RS256)->kid, "rs1");
  EXPECT_EQ(two_signers.signer(token::Alg::EdDSA), nullptr);
  EXPECT_NE(two_signers.find("ed1"), nullptr);
  token::KeySet one_signer({es1, rs1}, 0);  // at least the current one signs
  EXPECT_EQ(one_signer.signer(token::Alg::ES256)->kid, "es1");
  EXPECT_EQ(one_signer.signer(token::Alg::RS256), nullptr);
}
