// Public JWKs of our keys (RFC 7517/7518/8037) and keys read from JWKs.
#include "token/jwk.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "token/jws.hpp"
#include "token/key_material.hpp"
#include "token_test_util.hpp"

using namespace latchkey;
using namespace latchkey::token;
using namespace latchkey::token::testing;
namespace json = boost::json;

namespace {

SigningKey make(Alg alg, std::string kid = "k1") {
  auto k = generate_key(alg, std::move(kid), kNow);
  if (!k) throw std::runtime_error(k.error());
  return std::move(*k);
}

std::string text(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
}

// RFC 7515 appendix A.3's P-256 key (d, x, y).
json::object rfc_ec_jwk() {
  return {{"kty", "EC"},
          {"crv", "P-256"},
          {"x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
          {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
          {"d", "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}};
}

// RFC 8037 appendix A.1's Ed25519 key.
json::object rfc_okp_jwk() {
  return {{"kty", "OKP"},
          {"crv", "Ed25519"},
          {"d", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"},
          {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
}

}  // namespace

TEST(PublicJwk, Es256HasP256Coordinates) {
  auto jwk = public_jwk(make(Alg::ES256));
  EXPECT_EQ(text(jwk, "kty"), "EC");
  EXPECT_EQ(text(jwk, "crv"), "P-256");
  EXPECT_EQ(unb64(text(jwk, "x")).size(), 32u);
  EXPECT_EQ(unb64(text(jwk, "y")).size(), 32u);
  EXPECT_EQ(text(jwk, "kid"), "k1");
  EXPECT_EQ(text(jwk, "alg"), "ES256");
  EXPECT_EQ(text(jwk, "use"), "sig");
  EXPECT_FALSE(jwk.contains("d"));
  EXPECT_EQ(jwk.size(), 7u);
}

TEST(PublicJwk, EdDsaIsAnOkpEd25519Key) {
  auto jwk = public_jwk(make(Alg::EdDSA));
  EXPECT_EQ(text(jwk, "kty"), "OKP");
  EXPECT_EQ(text(jwk, "crv"), "Ed25519");
  EXPECT_EQ(unb64(text(jwk, "x")).size(), 32u);
  EXPECT_EQ(text(jwk, "alg"), "EdDSA");
  EXPECT_EQ(text(jwk, "use"), "sig");
  EXPECT_FALSE(jwk.contains("d"));
  EXPECT_EQ(jwk.size(), 6u);
}

TEST(PublicJwk, Rs256HasModulusAndExponent) {
  auto jwk = public_jwk(make(Alg::RS256));
  EXPECT_EQ(text(jwk, "kty"), "RSA");
  EXPECT_EQ(text(jwk, "e"), "AQAB");
  const std::string n = unb64(text(jwk, "n"));
  EXPECT_EQ(n.size(), 256u);
  EXPECT_NE(n.front(), '\0');  // unsigned, no leading zero byte
  EXPECT_EQ(text(jwk, "alg"), "RS256");
  EXPECT_EQ(text(jwk, "use"), "sig");
  for (const char* secret : {"d", "p", "q", "dp", "dq", "qi"}) EXPECT_FALSE(jwk.contains(secret));
  EXPECT_EQ(jwk.size(), 6u);
}

TEST(PublicJwk, Hs256IsNeverPublished) { EXPECT_TRUE(public_jwk(make(Alg::HS256)).empty()); }

TEST(PublicJwk, RfcKeysGiveTheRfcCoordinates) {
  auto ec = key_from_jwk(rfc_ec_jwk(), "ec");
  ASSERT_TRUE(ec.has_value()) << ec.error();
  auto jwk = public_jwk(*ec);
  EXPECT_EQ(text(jwk, "x"), "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU");
  EXPECT_EQ(text(jwk, "y"), "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
  auto okp = key_from_jwk(rfc_okp_jwk(), "okp");
  ASSERT_TRUE(okp.has_value()) << okp.error();
  EXPECT_EQ(text(public_jwk(*okp), "x"), "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
}

TEST(PublicJwk, ReadBackItVerifiesTheKeysSignatures) {
  for (Alg alg : {Alg::ES256, Alg::EdDSA, Alg::RS256}) {
    SigningKey key = make(alg);
    auto pub = key_from_jwk(public_jwk(key), "k1");
    ASSERT_TRUE(pub.has_value()) << alg_name(alg) << ": " << pub.error();
    EXPECT_EQ(pub->alg, alg);
    EXPECT_EQ(public_jwk(*pub), public_jwk(key));
    EXPECT_TRUE(verify_signature(*pub, "input", sign_signature(key, "input"))) << alg_name(alg);
  }
}

TEST(Jwks, ListsOnlyTheAsymmetricKeys) {
  KeySet keys{
      {make(Alg::HS256, "h"), make(Alg::ES256, "e"), make(Alg::EdDSA, "o"), make(Alg::RS256, "r")}};
  json::object set = keys.jwks();
  ASSERT_TRUE(set.contains("keys"));
  const json::array& list = set["keys"].as_array();
  ASSERT_EQ(list.size(), 3u);
  std::vector<std::string> kids;
  for (const auto& k : list) {
    kids.push_back(text(k.as_object(), "kid"));
    EXPECT_FALSE(k.as_object().contains("k"));
  }
  EXPECT_EQ(kids, (std::vector<std::string>{"e", "o", "r"}));
  EXPECT_TRUE(KeySet({make(Alg::HS256)}).jwks()["keys"].as_array().empty());
}

TEST(KeyFromJwk, OctIsAnHs256Secret) {
  auto k = key_from_jwk({{"kty", "oct"}, {"k", b64(std::string(32, 's'))}}, "h");
  ASSERT_TRUE(k.has_value()) << k.error();
  EXPECT_EQ(k->alg, Alg::HS256);
  EXPECT_EQ(k->secret, std::string(32, 's'));
}

TEST(KeyFromJwk, RefusesWhatItCannotUse) {
  auto with = [](json::object o, std::string_view name, json::value v) {
    o[name] = std::move(v);
    return o;
  };
  auto without = [](json::object o, std::string_view name) {
    o.erase(name);
    return o;
  };
  const json::object ec = rfc_ec_jwk();
  const json::object okp = rfc_okp_jwk();
  const std::vector<std::pair<const char*, json::object>> bad = {
      {"no kty", without(ec, "kty")},
      {"unknown kty", with(ec, "kty", "DSA")},
      {"alg of another type", with(ec, "alg", "RS256")},
      {"alg not a string", with(ec, "alg", 7)},
      {"P-384", with(ec, "crv", "P-384")},
      {"no y", without(ec, "y")},
      {"short x", with(ec, "x", json::string(b64(std::string(31, 'x'))))},
      {"x not base64url", with(ec, "x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVE=")},
      {"point off the curve", with(ec, "y", json::string(b64(std::string(32, '\x01'))))},
      {"d of another key", with(ec, "d", json::string(b64(std::string(32, '\x07'))))},
      {"X25519", with(okp, "crv", "X25519")},
      {"Ed25519 d of another key", with(okp, "d", json::string(b64(std::string(32, '\x07'))))},
      {"short Ed25519 x", with(okp, "x", json::string(b64(std::string(31, 'x'))))},
      {"RSA without n", {{"kty", "RSA"}, {"e", "AQAB"}}},
      {"RSA partial private",
       {{"kty", "RSA"},
        {"n", json::string(b64(std::string(256, '\xc1')))},
        {"e", "AQAB"},
        {"d", "AQAB"}}},
  };
  for (const auto& [why, jwk] : bad) {
    EXPECT_FALSE(key_from_jwk(jwk, "k").has_value()) << why;
  }
  // A matching alg member is fine.
  EXPECT_TRUE(key_from_jwk(with(ec, "alg", "ES256"), "k").has_value());
}

TEST(KeyFromJwk, ShortRsaModulusIsRefused) {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024));
  ASSERT_NE(raw, nullptr);
  SigningKey small{"k", Alg::RS256, {}, kNow, adopt_pkey(raw)};
  EXPECT_TRUE(public_jwk(small).empty());  // not a key we would publish either
  BIGNUM* n = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(raw, OSSL_PKEY_PARAM_RSA_N, &n), 1);
  std::string n_bytes(static_cast<std::size_t>(BN_num_bytes(n)), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(n_bytes.data()));
  BN_free(n);
  ASSERT_EQ(n_bytes.size(), 128u);
  auto k = key_from_jwk({{"kty", "RSA"}, {"n", b64(n_bytes)}, {"e", "AQAB"}}, "k");
  ASSERT_FALSE(k.has_value());
  EXPECT_NE(k.error().find("2048"), std::string::npos) << k.error();
}
