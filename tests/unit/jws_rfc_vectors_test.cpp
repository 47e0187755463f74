// The published JWS examples: RFC 7515 appendix A.1 (HS256), A.2 (RS256),
// A.3 (ES256) and RFC 8037 appendix A.4 (Ed25519), checked at the signature
// level (they are plain JWS, not our access-token profile). Keys are the
// RFCs' JWKs; every value below is copied from the RFCs.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "token/jwk.hpp"
#include "token/jws.hpp"
#include "token_test_util.hpp"

using namespace latchkey;
using namespace latchkey::token;
using namespace latchkey::token::testing;
namespace json = boost::json;

namespace {

// RFC 7515 A.1-A.3 share this payload: {"iss":"joe",\r\n "exp":1300819380,\r\n ...}.
constexpr std::string_view kRfc7515Payload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
    "fQ";

std::string input(std::string_view protected_header, std::string_view payload = kRfc7515Payload) {
  return std::string(protected_header) + "." + std::string(payload);
}

SigningKey from_jwk(const json::object& jwk) {
  auto k = key_from_jwk(jwk, "rfc");
  if (!k) throw std::runtime_error(k.error());
  return std::move(*k);
}

// Each signature, one bit flipped: must no longer verify.
void expect_bit_flips_refused(const SigningKey& key, const std::string& in,
                              const std::string& sig) {
  for (std::size_t i : {std::size_t{0}, sig.size() / 2, sig.size() - 1}) {
    std::string bad = sig;
    bad[i] ^= 0x01;
    EXPECT_FALSE(verify_signature(key, in, bad)) << "byte " << i;
  }
  std::string other = in;
  other.back() = other.back() == 'Q' ? 'R' : 'Q';
  EXPECT_FALSE(verify_signature(key, other, sig));
}

}  // namespace

// RFC 7515 appendix A.1: HMAC SHA-256.
TEST(RfcVectors, Rfc7515A1Hs256) {
  SigningKey key = from_jwk(
      {{"kty", "oct"},
       {"k",
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}});
  ASSERT_EQ(key.alg, Alg::HS256);
  const std::string in = input("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9");
  const std::string sig = unb64("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  EXPECT_TRUE(verify_signature(key, in, sig));
  EXPECT_EQ(b64(sign_signature(key, in)), b64(sig));
  expect_bit_flips_refused(key, in, sig);
}

// RFC 7515 appendix A.2: RSASSA-PKCS1-v1_5 SHA-256 (deterministic, so signing reproduces it).
TEST(RfcVectors, Rfc7515A2Rs256) {
  SigningKey key = from_jwk({{"kty", "RSA"},
                             {"n",
                              "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp"
                              "-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOW"
                              "vG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUs"
                              "LA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9k"
                              "G4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2"
                              "PAcDTW9gb54h4FRWyuXpoQ"},
                             {"e", "AQAB"},
                             {"d",
                              "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_G"
                              "Q5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKV"
                              "RUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9J"
                              "YanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoF"
                              "aFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjn"
                              "czT0QU91p1DhOVRuOopznQ"},
                             {"p",
                              "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBds"
                              "s1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ"
                              "5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc"},
                             {"q",
                              "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHA"
                              "jLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLt"
                              "XlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc"},
                             {"dp",
                              "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE"
                              "2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_"
                              "YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0"},
                             {"dq",
                              "h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDo"
                              "RwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGN"
                              "pmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU"},
                             {"qi",
                              "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0Em"
                              "pScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1c"
                              "q9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"}});
  ASSERT_EQ(key.alg, Alg::RS256);
  const std::string in = input("eyJhbGciOiJSUzI1NiJ9");
  const std::string sig = unb64(
      "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_"
      "O8W2Fp5j"
      "ujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1"
      "L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOY"
      "EUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw");
  ASSERT_EQ(sig.size(), 256u);
  EXPECT_TRUE(verify_signature(key, in, sig));
  EXPECT_EQ(b64(sign_signature(key, in)), b64(sig));
  expect_bit_flips_refused(key, in, sig);
  // The public half alone verifies it too.
  auto pub = key_from_jwk(public_jwk(key), "rfc");
  ASSERT_TRUE(pub.has_value()) << pub.error();
  EXPECT_TRUE(verify_signature(*pub, in, sig));
}

// RFC 7515 appendix A.3: ECDSA P-256 SHA-256 (randomised: verify it, and our own signature).
TEST(RfcVectors, Rfc7515A3Es256) {
  SigningKey key = from_jwk({{"kty", "EC"},
                             {"crv", "P-256"},
                             {"x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
                             {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
                             {"d", "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}});
  ASSERT_EQ(key.alg, Alg::ES256);
  const std::string in = input("eyJhbGciOiJFUzI1NiJ9");
  const std::string sig = unb64(
      "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q");
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_TRUE(verify_signature(key, in, sig));
  expect_bit_flips_refused(key, in, sig);
  const std::string ours = sign_signature(key, in);
  EXPECT_EQ(ours.size(), 64u);
  EXPECT_TRUE(verify_signature(key, in, ours));
  EXPECT_FALSE(verify_signature(key, in, sig.substr(0, 63)));
  EXPECT_FALSE(verify_signature(key, in, sig + '\0'));
}

// RFC 8037 appendix A.4: Ed25519 signing (deterministic: the exact signature).
TEST(RfcVectors, Rfc8037A4Ed25519) {
  SigningKey key = from_jwk({{"kty", "OKP"},
                             {"crv", "Ed25519"},
                             {"d", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"},
                             {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}});
  ASSERT_EQ(key.alg, Alg::EdDSA);
  const std::string in = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
  const std::string want =
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
  EXPECT_EQ(b64(sign_signature(key, in)), want);
  EXPECT_TRUE(verify_signature(key, in, unb64(want)));
  expect_bit_flips_refused(key, in, unb64(want));
  auto pub = key_from_jwk(
      {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
      "rfc");
  ASSERT_TRUE(pub.has_value()) << pub.error();
  EXPECT_TRUE(verify_signature(*pub, in, unb64(want)));
}
