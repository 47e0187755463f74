// Access tokens signed with ES256, EdDSA and RS256: sign/verify, tampering,
// wrong keys, algorithm confusion, stored key material, thread safety.
#include <openssl/pem.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "crypto/digest.hpp"
#include "token/jwk.hpp"
#include "token/jws.hpp"
#include "token/jwt.hpp"
#include "token/key_material.hpp"
#include "token_test_util.hpp"

using namespace latchkey;
using namespace latchkey::token;
using namespace latchkey::token::testing;

namespace {

SigningKey make(Alg alg, std::string kid = "k1") {
  auto k = generate_key(alg, std::move(kid), kNow);
  if (!k) throw std::runtime_error(k.error());
  return std::move(*k);
}

// The SubjectPublicKeyInfo PEM of a key: public knowledge for anyone with our JWKS.
std::string public_pem(const SigningKey& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key.pkey.get());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

// A token with the same claims and kid, but header alg HS256 and an HMAC keyed with `secret`.
std::string hs256_forgery(std::string_view kid, std::string_view secret) {
  boost::json::object h{{"alg", "HS256"}, {"typ", "at+jwt"}, {"kid", kid}};
  Parts p = split(sign_access_token(claims(), SigningKey{"x", Alg::HS256, "s", kNow}));
  std::string input = b64(boost::json::serialize(h)) + "." + p.payload;
  return input + "." + b64(crypto::hmac_sha256(secret, input));
}

class AsymmetricJwt : public ::testing::TestWithParam<Alg> {
 protected:
  SigningKey key = make(GetParam());
  KeySet keys{{key}};
};

std::string alg_label(const ::testing::TestParamInfo<Alg>& info) {
  return std::string(alg_name(info.param));
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Algs, AsymmetricJwt, ::testing::Values(Alg::ES256, Alg::EdDSA, Alg::RS256),
                         alg_label);

TEST_P(AsymmetricJwt, SignedTokenVerifies) {
  auto t = sign_access_token(claims(), key);
  auto header = boost::json::parse(unb64(split(t).header)).as_object();
  EXPECT_EQ(header["alg"].as_string(), alg_name(GetParam()));
  EXPECT_EQ(header["kid"].as_string(), "k1");
  auto c = verify_access_token(t, keys, policy(), kNow + 10);
  ASSERT_TRUE(c.has_value()) << describe(c.error());
  EXPECT_EQ(c->sub, "user-1");
  EXPECT_EQ(c->username, "alice");
}

TEST_P(AsymmetricJwt, SignatureHasTheJoseLength) {
  const std::size_t want = GetParam() == Alg::RS256 ? 256 : 64;  // RSA-2048 / R||S / Ed25519
  EXPECT_EQ(unb64(split(sign_access_token(claims(), key)).signature).size(), want);
}

TEST_P(AsymmetricJwt, TamperedTokenIsRefused) {
  Parts p = split(sign_access_token(claims(), key));
  auto payload = boost::json::parse(unb64(p.payload)).as_object();
  payload["sub"] = "someone-else";
  Parts swapped = p;
  swapped.payload = b64(boost::json::serialize(payload));
  EXPECT_EQ(verify_access_token(join(swapped), keys, policy(), kNow).error(),
            VerifyError::bad_signature);

  std::string sig = unb64(p.signature);
  sig[sig.size() / 2] ^= 0x01;
  Parts flipped = p;
  flipped.signature = b64(sig);
  EXPECT_EQ(verify_access_token(join(flipped), keys, policy(), kNow).error(),
            VerifyError::bad_signature);
}

TEST_P(AsymmetricJwt, AnotherKeyWithTheSameKidIsRefused) {
  KeySet other{{make(GetParam(), "k1")}};
  auto t = sign_access_token(claims(), other.current());
  EXPECT_EQ(verify_access_token(t, keys, policy(), kNow).error(), VerifyError::bad_signature);
}

TEST_P(AsymmetricJwt, Hs256WithKeyBytesAsSecretIsRefused) {
  // The classic confusion: an HMAC keyed with what the verifier holds.
  const std::string jwk_text = boost::json::serialize(public_jwk(key));
  for (const std::string& secret : {public_pem(key), encode_key_material(key), jwk_text}) {
    EXPECT_EQ(verify_access_token(hs256_forgery("k1", secret), keys, policy(), kNow).error(),
              VerifyError::unsupported_alg);
  }
}

TEST_P(AsymmetricJwt, OtherAsymmetricAlgNamesAreRefused) {
  Parts p = split(sign_access_token(claims(), key));
  for (Alg other : {Alg::ES256, Alg::EdDSA, Alg::RS256}) {
    if (other == GetParam()) continue;
    boost::json::object h{{"alg", alg_name(other)}, {"typ", "at+jwt"}, {"kid", "k1"}};
    Parts q = p;
    q.header = b64(boost::json::serialize(h));
    EXPECT_EQ(verify_access_token(join(q), keys, policy(), kNow).error(),
              VerifyError::unsupported_alg)
        << alg_name(other);
  }
}

TEST_P(AsymmetricJwt, StoredMaterialRoundTrips) {
  const std::string pem = encode_key_material(key);
  EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----\n")) << pem.substr(0, 40);
  auto back = decode_key_material("k1", GetParam(), pem, kNow - 5);
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->kid, "k1");
  EXPECT_EQ(back->alg, GetParam());
  EXPECT_EQ(back->created_at, kNow - 5);
  EXPECT_EQ(encode_key_material(*back), pem);
  auto t = sign_access_token(claims(), *back);  // signed by the decoded key,
  EXPECT_TRUE(
      verify_access_token(t, keys, policy(), kNow).has_value());  // verified by the original
}

TEST_P(AsymmetricJwt, MaterialUnderAnotherAlgIsRefused) {
  const std::string pem = encode_key_material(key);
  for (Alg other : {Alg::HS256, Alg::ES256, Alg::EdDSA, Alg::RS256}) {
    if (other == GetParam()) continue;
    EXPECT_FALSE(decode_key_material("k1", other, pem, kNow).has_value()) << alg_name(other);
  }
}

TEST_P(AsymmetricJwt, PublicOnlyKeyVerifiesButCannotSign) {
  auto pub = key_from_jwk(public_jwk(key), "k1");
  ASSERT_TRUE(pub.has_value()) << pub.error();
  KeySet verifying{{*pub}};
  EXPECT_TRUE(
      verify_access_token(sign_access_token(claims(), key), verifying, policy(), kNow).has_value());
  EXPECT_THROW(sign_access_token(claims(), *pub), std::invalid_argument);
  EXPECT_THROW(encode_key_material(*pub), std::invalid_argument);
}

TEST_P(AsymmetricJwt, KeyOfTheWrongTypeNeitherSignsNorVerifies) {
  const Alg other = GetParam() == Alg::ES256 ? Alg::EdDSA : Alg::ES256;
  SigningKey mislabelled = make(other);
  mislabelled.alg = GetParam();
  EXPECT_THROW(sign_signature(mislabelled, "input"), std::invalid_argument);
  EXPECT_FALSE(verify_signature(mislabelled, "input", sign_signature(make(other), "input")));
  SigningKey empty{"k", GetParam(), {}, kNow};
  EXPECT_THROW(sign_signature(empty, "input"), std::invalid_argument);
  EXPECT_FALSE(verify_signature(empty, "input", std::string(64, 'x')));
}

TEST_P(AsymmetricJwt, SharedKeySignsAndVerifiesFromManyThreads) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        AccessClaims c = claims();
        c.jti = "jti-" + std::to_string(t) + "-" + std::to_string(i);
        auto v = verify_access_token(sign_access_token(c, key), keys, policy(), kNow);
        if (!v || v->jti != c.jti) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(Es256Signature, WrongLengthsAndDerAreRefused) {
  SigningKey key = make(Alg::ES256);
  KeySet keys{{key}};
  Parts p = split(sign_access_token(claims(), key));
  const std::string sig = unb64(p.signature);
  ASSERT_EQ(sig.size(), 64u);
  for (const std::string& bad :
       {sig.substr(0, 63), sig.substr(0, 32), sig + '\0', sig + sig, std::string(1, '\x30')}) {
    Parts q = p;
    q.signature = b64(bad);
    EXPECT_EQ(verify_access_token(join(q), keys, policy(), kNow).error(),
              VerifyError::bad_signature)
        << bad.size();
  }
  // A DER-shaped signature (OpenSSL's own form) is refused: JWS wants the bare R||S.
  std::string der = "\x30\x44\x02\x20" + sig.substr(0, 32) + "\x02\x20" + sig.substr(32);
  EXPECT_FALSE(verify_signature(key, p.header + "." + p.payload, der));
  EXPECT_TRUE(verify_signature(key, p.header + "." + p.payload, sig));
  // All-zero R and S are invalid, not a crash.
  EXPECT_FALSE(verify_signature(key, p.header + "." + p.payload, std::string(64, '\0')));
}

TEST(KeyMaterial, Hs256IsTheBase64urlOfTheSecret) {
  SigningKey key = make(Alg::HS256);
  EXPECT_EQ(key.secret.size(), 64u);
  EXPECT_FALSE(key.pkey);
  const std::string text = encode_key_material(key);
  EXPECT_EQ(text, b64(key.secret));
  auto back = decode_key_material("k1", Alg::HS256, text, kNow);
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->secret, key.secret);
  EXPECT_FALSE(decode_key_material("k1", Alg::HS256, "not base64!", kNow).has_value());
  EXPECT_FALSE(decode_key_material("k1", Alg::HS256, b64(std::string(31, 'x')), kNow).has_value());
}

TEST(KeyMaterial, GarbageAndEncryptedPemAreRefused) {
  for (Alg alg : {Alg::ES256, Alg::EdDSA, Alg::RS256}) {
    EXPECT_FALSE(decode_key_material("k", alg, "", kNow).has_value());
    EXPECT_FALSE(
        decode_key_material("k", alg, "-----BEGIN PRIVATE KEY-----\nAAAA\n", kNow).has_value());
    EXPECT_FALSE(decode_key_material("k", alg, b64(std::string(64, 'x')), kNow).has_value());
  }
  // An encrypted PKCS#8 key is refused, never a passphrase prompt.
  SigningKey key = make(Alg::EdDSA);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio, key.pkey.get(), EVP_aes_256_cbc(), "pw", 2, nullptr,
                                          nullptr),
            1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string encrypted(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  EXPECT_FALSE(decode_key_material("k", Alg::EdDSA, encrypted, kNow).has_value());
}

TEST(KeyMaterial, EcKeyOffP256IsRefused) {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  ASSERT_NE(raw, nullptr);
  SigningKey p384{"k", Alg::ES256, {}, kNow, adopt_pkey(raw)};
  EXPECT_TRUE(key_mismatch(p384.pkey.get(), Alg::ES256).has_value());
  // encode writes whatever key it holds; decode refuses it for ES256.
  auto back = decode_key_material("k", Alg::ES256, encode_key_material(p384), kNow);
  ASSERT_FALSE(back.has_value());
  EXPECT_NE(back.error().find("P-256"), std::string::npos) << back.error();
}

TEST(KeyMaterial, ShortRsaKeyIsRefused) {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024));
  ASSERT_NE(raw, nullptr);
  SigningKey small{"k", Alg::RS256, {}, kNow, adopt_pkey(raw)};
  EXPECT_FALSE(decode_key_material("k", Alg::RS256, encode_key_material(small), kNow).has_value());
  EXPECT_THROW(sign_signature(small, "input"), std::invalid_argument);
}

TEST(Algs, NamesRoundTrip) {
  for (Alg a : {Alg::HS256, Alg::ES256, Alg::EdDSA, Alg::RS256}) {
    EXPECT_EQ(alg_from_name(alg_name(a)), a);
  }
  EXPECT_EQ(alg_name(Alg::EdDSA), "EdDSA");
  EXPECT_FALSE(alg_from_name("EDDSA").has_value());
  EXPECT_FALSE(alg_from_name("Ed25519").has_value());
  EXPECT_FALSE(alg_from_name("none").has_value());
  EXPECT_FALSE(is_asymmetric(Alg::HS256));
  EXPECT_TRUE(is_asymmetric(Alg::ES256) && is_asymmetric(Alg::EdDSA) && is_asymmetric(Alg::RS256));
}

TEST(Algs, EmptyHs256SecretNeitherSignsNorVerifies) {
  SigningKey empty{"k", Alg::HS256, "", kNow};
  EXPECT_THROW(sign_signature(empty, "input"), std::invalid_argument);
  EXPECT_FALSE(verify_signature(empty, "input", crypto::hmac_sha256("", "input")));
}
