// ID tokens, at_hash and id_token_hint (oidc/id_token.hpp).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "crypto/random.hpp"
#include "oidc/id_token.hpp"
#include "oidc/logout_token.hpp"
#include "token/compact_jws.hpp"
#include "token/jws.hpp"
#include "token/key_material.hpp"
#include "token_test_util.hpp"

namespace latchkey::oidc {
namespace {

namespace json = boost::json;
using token::Alg;
using token::VerifyError;
using token::testing::kNow;

constexpr const char* kIssuer = "https://id.example.com";

class OidcIdToken : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    crypto::init();
    es_ = new token::SigningKey(token::generate_key(Alg::ES256, "es-1", kNow).value());
    rs_ = new token::SigningKey(token::generate_key(Alg::RS256, "rs-1", kNow).value());
    ed_ = new token::SigningKey(token::generate_key(Alg::EdDSA, "ed-1", kNow).value());
  }
  static void TearDownTestSuite() {
    delete es_;
    delete rs_;
    delete ed_;
  }

  static IdTokenClaims claims() {
    IdTokenClaims c;
    c.iss = kIssuer;
    c.sub = "user-1";
    c.aud = "client-1";
    c.azp = "client-1";
    c.nonce = "n-0S6";
    c.sid = "sid-1";
    c.acr = "urn:mace:incommon:iap:silver";
    c.amr = {"pwd"};
    c.auth_time = kNow - 60;
    c.iat = kNow;
    c.exp = kNow + 300;
    c.at_hash = "77QmUPtjPfzWtF2AnpK9RQ";
    c.extra = {{"preferred_username", "alice"}, {"sub", "attacker"}, {"email", "alice@example.com"}};
    return c;
  }

  static token::KeySet keys() { return token::KeySet({*es_, *rs_, *ed_}); }

  static inline token::SigningKey* es_ = nullptr;
  static inline token::SigningKey* rs_ = nullptr;
  static inline token::SigningKey* ed_ = nullptr;
};

TEST_F(OidcIdToken, SignedWithTheKeysAlgorithmAndAllClaims) {
  for (const token::SigningKey* key : {rs_, es_, ed_}) {
    const std::string jwt = sign_id_token(claims(), *key);
    auto jws = token::parse_compact_jws(jwt).value();
    EXPECT_EQ(jws.header, (json::object{{"typ", "JWT"}, {"alg", token::alg_name(key->alg)}, {"kid", key->kid}}));
    EXPECT_TRUE(token::verify_signature(*key, jws.signing_input, jws.signature));
    const json::object& p = jws.payload;
    EXPECT_EQ(p.at("iss"), kIssuer);
    EXPECT_EQ(p.at("sub"), "user-1");  // not the extra's
    EXPECT_EQ(p.at("aud"), "client-1");
    EXPECT_EQ(p.at("azp"), "client-1");
    EXPECT_EQ(p.at("nonce"), "n-0S6");
    EXPECT_EQ(p.at("sid"), "sid-1");
    EXPECT_EQ(p.at("acr"), "urn:mace:incommon:iap:silver");
    EXPECT_EQ(p.at("amr"), (json::array{"pwd"}));
    EXPECT_EQ(p.at("auth_time"), kNow - 60);
    EXPECT_EQ(p.at("iat"), kNow);
    EXPECT_EQ(p.at("exp"), kNow + 300);
    EXPECT_EQ(p.at("at_hash"), "77QmUPtjPfzWtF2AnpK9RQ");
    EXPECT_EQ(p.at("preferred_username"), "alice");
    EXPECT_EQ(p.at("email"), "alice@example.com");
  }
}

TEST_F(OidcIdToken, OptionalClaimsAreLeftOutWhenEmpty) {
  IdTokenClaims c{kIssuer, "user-1", "client-1", "", std::nullopt, "", "", {}, 0, kNow, kNow + 300, std::nullopt,
                  json::object{{"nonce", "sneaked"}, {"at_hash", "x"}}};
  auto p = token::parse_compact_jws(sign_id_token(c, *es_))->payload;
  for (const char* absent : {"azp", "nonce", "sid", "acr", "amr", "auth_time", "at_hash"})
    EXPECT_FALSE(p.contains(absent)) << absent;
}

TEST_F(OidcIdToken, AtHashOfOidcCoreAppendixA) {
  // OpenID Connect Core 1.0 A.3 / A.4: RS256.
  EXPECT_EQ(at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", Alg::RS256), "77QmUPtjPfzWtF2AnpK9RQ");
  EXPECT_EQ(at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", Alg::ES256), "77QmUPtjPfzWtF2AnpK9RQ");
  EXPECT_EQ(at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", Alg::HS256), "77QmUPtjPfzWtF2AnpK9RQ");
  // Ed25519: the left half of SHA-512 (computed with Python's hashlib).
  EXPECT_EQ(at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", Alg::EdDSA),
            "q7nS86GgvvFaZkzALLWqJYaJIKw2wCDAVfCAsm5CrBM");
}

TEST_F(OidcIdToken, AHintOfOursNamesItsUserClientAndSessionEvenExpired) {
  auto c = claims();
  c.exp = kNow - 86400;  // long expired: still a hint
  c.iat = kNow - 86400 - 300;
  for (const token::SigningKey* key : {rs_, es_, ed_}) {
    auto hint = verify_id_token_hint(sign_id_token(c, *key), keys(), kIssuer, kNow);
    ASSERT_TRUE(hint) << token::describe(hint.error());
    EXPECT_EQ(hint->sub, "user-1");
    EXPECT_EQ(hint->aud, "client-1");
    EXPECT_EQ(hint->sid, "sid-1");
  }
}

TEST_F(OidcIdToken, HintsThatAreNotOursOrNotIdTokensAreRefused) {
  const std::string good = sign_id_token(claims(), *es_);
  EXPECT_EQ(verify_id_token_hint(good, keys(), "https://other.example", kNow).error(), VerifyError::wrong_issuer);
  EXPECT_EQ(verify_id_token_hint(good, token::KeySet({*rs_}), kIssuer, kNow).error(), VerifyError::unknown_kid);
  // Another key under our kid.
  auto stranger = token::generate_key(Alg::ES256, "es-1", kNow).value();
  EXPECT_EQ(verify_id_token_hint(sign_id_token(claims(), stranger), keys(), kIssuer, kNow).error(),
            VerifyError::bad_signature);
  // Tampered payload.
  auto parts = token::testing::split(good);
  auto payload = json::parse(token::testing::unb64(parts.payload)).as_object();
  payload["sub"] = "admin";
  parts.payload = token::testing::b64(json::serialize(payload));
  EXPECT_EQ(verify_id_token_hint(token::testing::join(parts), keys(), kIssuer, kNow).error(), VerifyError::bad_signature);
  // An access token of ours is no ID token.
  token::AccessClaims access{.iss = kIssuer, .aud = "latchkey", .sub = "user-1", .username = "alice", .sid = "sid-1",
                             .jti = "j", .iat = kNow, .exp = kNow + 900};
  EXPECT_EQ(verify_id_token_hint(token::sign_access_token(access, *es_), keys(), kIssuer, kNow).error(),
            VerifyError::wrong_type);
  // Nor is a logout token.
  auto logout = sign_logout_token({kIssuer, "client-1", "user-1", "sid-1", kNow}, *es_);
  EXPECT_EQ(verify_id_token_hint(logout.jwt, keys(), kIssuer, kNow).error(), VerifyError::wrong_type);
  // Not a token at all.
  EXPECT_EQ(verify_id_token_hint("abc", keys(), kIssuer, kNow).error(), VerifyError::malformed);
  // From the future.
  auto future = claims();
  future.iat = kNow + 3600;
  EXPECT_EQ(verify_id_token_hint(sign_id_token(future, *es_), keys(), kIssuer, kNow).error(),
            VerifyError::not_yet_valid);
}

TEST_F(OidcIdToken, TheKeyNotTheTokenChoosesTheAlgorithm) {
  // HS256 "signed" with the ES256 key's id: the classic confusion.
  auto parts = token::testing::split(sign_id_token(claims(), *es_));
  parts.header = token::testing::b64(R"({"alg":"HS256","kid":"es-1","typ":"JWT"})");
  EXPECT_EQ(verify_id_token_hint(token::testing::join(parts), keys(), kIssuer, kNow).error(),
            VerifyError::unsupported_alg);
  parts.header = token::testing::b64(R"({"alg":"none","kid":"es-1"})");
  EXPECT_EQ(verify_id_token_hint(token::testing::join(parts), keys(), kIssuer, kNow).error(),
            VerifyError::unsupported_alg);
  parts.header = token::testing::b64(R"({"alg":"ES256","kid":"es-1","jwk":{}})");
  EXPECT_EQ(verify_id_token_hint(token::testing::join(parts), keys(), kIssuer, kNow).error(),
            VerifyError::forbidden_header);
}

TEST_F(OidcIdToken, AudienceMustBeOneClient) {
  auto c = claims();
  c.extra = {};
  auto with_aud = [&](json::value aud) {
    json::object p{{"iss", kIssuer}, {"sub", "u"}, {"aud", aud}, {"iat", kNow}, {"exp", kNow + 60}};
    return token::sign_compact_jws(json::object{{"typ", "JWT"}}, p, *es_);
  };
  EXPECT_EQ(verify_id_token_hint(with_aud(json::array{"c1"}), keys(), kIssuer, kNow)->aud, "c1");
  EXPECT_EQ(verify_id_token_hint(with_aud(json::array{"c1", "c2"}), keys(), kIssuer, kNow).error(),
            VerifyError::wrong_audience);
  EXPECT_EQ(verify_id_token_hint(with_aud(7), keys(), kIssuer, kNow).error(), VerifyError::wrong_audience);
}

}  // namespace
}  // namespace latchkey::oidc
