// private_key_jwt client assertions (oidc/client_assertion.hpp), signed here
// with keys made by OpenSSL as a client would make them.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <boost/json.hpp>

#include "crypto/base64url.hpp"
#include "crypto/random.hpp"
#include "oidc/client_assertion.hpp"
#include "token/jwk.hpp"
#include "token/jws.hpp"
#include "token_test_util.hpp"

namespace latchkey::oidc {
namespace {

namespace json = boost::json;
using token::testing::kNow;

constexpr const char* kClient = "client-1";
constexpr const char* kIssuer = "https://id.example.com";
constexpr const char* kTokenEndpoint = "https://id.example.com/token";

// A client's key pair, made by OpenSSL directly.
struct ClientKey {
  token::PKey pkey;
  token::Alg alg;  // the JWK type's algorithm (RSA: RS256, also used for PS256)
  std::string kid;

  json::object public_jwk() const { return token::public_jwk(token::SigningKey{kid, alg, {}, 0, pkey}); }
};

ClientKey make_key(token::Alg alg, std::string kid) {
  EVP_PKEY* raw = alg == token::Alg::RS256   ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
                  : alg == token::Alg::ES256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                             : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!raw) throw std::runtime_error("keygen failed");
  return ClientKey{token::adopt_pkey(raw), alg, std::move(kid)};
}

std::string b64(std::string_view s) { return crypto::base64url_encode(s); }

std::string sign_ps256(EVP_PKEY* pkey, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  std::size_t len = 0;
  std::string sig;
  if (EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, pkey) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1) {
    sig.resize(len);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
      sig.clear();
    sig.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  return sig;
}

// header and payload as given; alg "PS256" signs with RSA-PSS.
std::string sign(const ClientKey& key, const json::object& header, const json::object& payload) {
  std::string out = b64(json::serialize(header)) + "." + b64(json::serialize(payload));
  const bool pss = header.contains("alg") && header.at("alg") == "PS256";
  const std::string sig =
      pss ? sign_ps256(key.pkey.get(), out) : token::sign_signature(token::SigningKey{key.kid, key.alg, {}, 0, key.pkey}, out);
  return out + "." + b64(sig);
}

json::object claims() {
  return {{"iss", kClient}, {"sub", kClient}, {"aud", kTokenEndpoint},
          {"exp", kNow + 60}, {"iat", kNow},  {"jti", "jti-1"}};
}

class OidcClientAssertion : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    crypto::init();
    rsa_ = new ClientKey(make_key(token::Alg::RS256, "rsa-1"));
    ec_ = new ClientKey(make_key(token::Alg::ES256, "ec-1"));
    ed_ = new ClientKey(make_key(token::Alg::EdDSA, "ed-1"));
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
    delete ed_;
  }

  // The RSA key without "alg", so that it serves RS256 and PS256 alike.
  static json::object jwks() {
    json::object rsa = rsa_->public_jwk();
    rsa.erase("alg");
    return {{"keys", json::array{rsa, ec_->public_jwk(), ed_->public_jwk()}}};
  }
  static json::object header(std::string_view alg, std::string_view kid) { return {{"alg", alg}, {"kid", kid}}; }

  static tl::expected<Assertion, OAuthError> verify(const std::string& jwt, const json::object& keys = jwks(),
                                                    UnixSeconds now = kNow) {
    return verify_client_assertion(jwt, kClient, keys, {kIssuer, kTokenEndpoint}, now, 30);
  }
  // Refused, always as invalid_client; returns the description.
  static std::string refused(const std::string& jwt, const json::object& keys = jwks(), UnixSeconds now = kNow) {
    auto r = verify(jwt, keys, now);
    EXPECT_FALSE(r.has_value());
    if (r) return "";
    EXPECT_EQ(r.error().code, OAuthErrorCode::invalid_client);
    EXPECT_FALSE(r.error().description.empty());
    return r.error().description;
  }

  static inline ClientKey* rsa_ = nullptr;
  static inline ClientKey* ec_ = nullptr;
  static inline ClientKey* ed_ = nullptr;
};

TEST_F(OidcClientAssertion, EachAlgorithmVerifies) {
  for (auto [key, alg] : {std::pair{rsa_, "RS256"}, {rsa_, "PS256"}, {ec_, "ES256"}, {ed_, "EdDSA"}}) {
    auto r = verify(sign(*key, header(alg, key->kid), claims()));
    ASSERT_TRUE(r) << alg << ": " << r.error().description;
    EXPECT_EQ(r->jti, "jti-1");
    EXPECT_EQ(r->exp, kNow + 60);
  }
}

TEST_F(OidcClientAssertion, WithoutKidTheOnlyKeyOfItsTypeIsUsed) {
  EXPECT_TRUE(verify(sign(*ec_, {{"alg", "ES256"}}, claims())));
  // Two EC keys and no kid: which one is ambiguous.
  const ClientKey other = make_key(token::Alg::ES256, "ec-2");
  json::object two{{"keys", json::array{ec_->public_jwk(), other.public_jwk()}}};
  refused(sign(*ec_, {{"alg", "ES256"}}, claims()), two);
  EXPECT_TRUE(verify(sign(*ec_, header("ES256", "ec-1"), claims()), two));
  EXPECT_TRUE(verify(sign(other, header("ES256", "ec-2"), claims()), two));
}

TEST_F(OidcClientAssertion, TheHeaderIsRefusedUnlessAnAsymmetricAlgAndAKnownKey) {
  refused(sign(*ec_, header("ES256", "nobody"), claims()));
  refused(sign(*ec_, header("ES384", "ec-1"), claims()));
  refused(sign(*ec_, {{"kid", "ec-1"}}, claims()));
  refused(sign(*ec_, {{"alg", "ES256"}, {"kid", 7}}, claims()));
  // The key's type decides: an RSA key named for ES256 finds no EC key.
  refused(sign(*rsa_, header("ES256", "rsa-1"), claims()));
  // alg none, and HS256 keyed with the client's public key.
  const std::string body = b64(json::serialize(header("none", "ec-1"))) + "." + b64(json::serialize(claims()));
  refused(body + ".");
  refused(body + "." + b64("x"));
  const std::string hs_input = b64(json::serialize(header("HS256", "rsa-1"))) + "." + b64(json::serialize(claims()));
  token::SigningKey hs{"rsa-1", token::Alg::HS256, json::serialize(rsa_->public_jwk()), 0, nullptr};
  refused(hs_input + "." + b64(token::sign_signature(hs, hs_input)));
  // Keys carried in the header are never used.
  auto h = header("ES256", "ec-1");
  h["jwk"] = ec_->public_jwk();
  EXPECT_NE(refused(sign(*ec_, h, claims())).find("jwk"), std::string::npos);
  h = header("ES256", "ec-1");
  h["jku"] = "https://evil.example/jwks";
  refused(sign(*ec_, h, claims()));
}

TEST_F(OidcClientAssertion, AKeyMarkedForAnotherUseOrAlgIsSkipped) {
  json::object enc = ec_->public_jwk();
  enc["use"] = "enc";
  refused(sign(*ec_, header("ES256", "ec-1"), claims()), {{"keys", json::array{enc}}});
  json::object rs_only = rsa_->public_jwk();  // "alg": "RS256"
  refused(sign(*rsa_, header("PS256", "rsa-1"), claims()), {{"keys", json::array{rs_only}}});
  rs_only.erase("alg");
  EXPECT_TRUE(verify(sign(*rsa_, header("PS256", "rsa-1"), claims()), {{"keys", json::array{rs_only}}}));
  refused(sign(*ec_, header("ES256", "ec-1"), claims()), json::object{});
  refused(sign(*ec_, header("ES256", "ec-1"), claims()), {{"keys", "none"}});
}

TEST_F(OidcClientAssertion, ASignatureByAnotherKeyOrOverOtherClaimsFails) {
  const ClientKey impostor = make_key(token::Alg::ES256, "ec-1");
  refused(sign(impostor, header("ES256", "ec-1"), claims()));
  auto parts = token::testing::split(sign(*ec_, header("ES256", "ec-1"), claims()));
  auto c = claims();
  c["sub"] = "client-2";
  parts.payload = b64(json::serialize(c));
  refused(token::testing::join(parts));
  refused("not.a.jwt");
  refused(std::string(kMaxAssertion + 1, 'a'));
}

TEST_F(OidcClientAssertion, IssuerAndSubjectAreTheClient) {
  for (const char* claim : {"iss", "sub"}) {
    auto c = claims();
    c[claim] = "client-2";
    refused(sign(*ec_, header("ES256", "ec-1"), c));
    c.erase(claim);
    refused(sign(*ec_, header("ES256", "ec-1"), c));
  }
}

TEST_F(OidcClientAssertion, AudienceNamesThisServer) {
  auto with_aud = [&](json::value aud) {
    auto c = claims();
    c["aud"] = std::move(aud);
    return sign(*ec_, header("ES256", "ec-1"), c);
  };
  EXPECT_TRUE(verify(with_aud(kIssuer)));
  EXPECT_TRUE(verify(with_aud(json::array{"https://other.example", kTokenEndpoint})));
  refused(with_aud("https://other.example/token"));
  refused(with_aud(json::array{"https://other.example"}));
  refused(with_aud(json::array{}));
  refused(with_aud(""));
  auto c = claims();
  c.erase("aud");
  refused(sign(*ec_, header("ES256", "ec-1"), c));
}

TEST_F(OidcClientAssertion, ExpiryIsRequiredNearAndNotPast) {
  auto with_exp = [&](json::value exp) {
    auto c = claims();
    c["exp"] = std::move(exp);
    return sign(*ec_, header("ES256", "ec-1"), c);
  };
  EXPECT_TRUE(verify(with_exp(kNow - 20)));  // within the leeway
  EXPECT_NE(refused(with_exp(kNow - 31)).find("expired"), std::string::npos);
  EXPECT_TRUE(verify(with_exp(kNow + kMaxAssertionLifetime + 30)));
  EXPECT_NE(refused(with_exp(kNow + kMaxAssertionLifetime + 31)).find("too long"), std::string::npos);
  refused(with_exp(INT64_MAX));
  refused(with_exp("soon"));
  auto c = claims();
  c.erase("exp");
  refused(sign(*ec_, header("ES256", "ec-1"), c));
}

TEST_F(OidcClientAssertion, IatAndNbfAreNotInTheFuture) {
  for (const char* claim : {"iat", "nbf"}) {
    auto c = claims();
    c[claim] = kNow + 30;
    EXPECT_TRUE(verify(sign(*ec_, header("ES256", "ec-1"), c))) << claim;
    c[claim] = kNow + 31;
    refused(sign(*ec_, header("ES256", "ec-1"), c));
    c[claim] = "now";
    refused(sign(*ec_, header("ES256", "ec-1"), c));
  }
  auto c = claims();
  c.erase("iat");  // optional (RFC 7523 3)
  EXPECT_TRUE(verify(sign(*ec_, header("ES256", "ec-1"), c)));
}

TEST_F(OidcClientAssertion, JtiIsRequiredAndBounded) {
  auto with_jti = [&](json::value jti) {
    auto c = claims();
    c["jti"] = std::move(jti);
    return sign(*ec_, header("ES256", "ec-1"), c);
  };
  EXPECT_EQ(verify(with_jti(json::string(kMaxJti, 'j')))->jti, std::string(kMaxJti, 'j'));
  refused(with_jti(json::string(kMaxJti + 1, 'j')));
  refused(with_jti(""));
  refused(with_jti(5));
  auto c = claims();
  c.erase("jti");
  refused(sign(*ec_, header("ES256", "ec-1"), c));
}

}  // namespace
}  // namespace latchkey::oidc
