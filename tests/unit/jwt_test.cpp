#include "token/jwt.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"

using namespace latchkey;
using namespace latchkey::token;
using crypto::base64url_encode;

namespace {

constexpr UnixSeconds kNow = 1'800'000'000;

SigningKey key(std::string kid, char fill) {
  return SigningKey{std::move(kid), Alg::HS256, std::string(32, fill), kNow};
}

AccessClaims claims() {
  AccessClaims c;
  c.iss = "http://127.0.0.1:5000";
  c.aud = "latchkey";
  c.sub = "user-1";
  c.username = "alice";
  c.sid = "session-1";
  c.jti = "jti-1";
  c.iat = kNow;
  c.exp = kNow + 900;
  return c;
}

VerifyPolicy policy() { return VerifyPolicy{"http://127.0.0.1:5000", "latchkey", 30, false}; }

// Builds a token with any header and payload, signed (HS256) with `secret`.
std::string forge(const boost::json::object& header, const boost::json::object& payload,
                  std::string_view secret) {
  std::string input = base64url_encode(boost::json::serialize(header)) + "." +
                      base64url_encode(boost::json::serialize(payload));
  return input + "." + base64url_encode(crypto::hmac_sha256(secret, input));
}

boost::json::object good_payload() {
  return {{"iss", "http://127.0.0.1:5000"}, {"aud", "latchkey"}, {"sub", "user-1"},
          {"sid", "session-1"}, {"jti", "j"}, {"iat", kNow}, {"exp", kNow + 900}};
}

boost::json::object good_header(std::string_view kid = "k1") {
  return {{"alg", "HS256"}, {"typ", "at+jwt"}, {"kid", kid}};
}

class JwtTest : public ::testing::Test {
 protected:
  KeySet keys{{key("k1", 'a'), key("k0", 'b')}};
};

}  // namespace

TEST_F(JwtTest, SignedTokenVerifiesWithItsClaims) {
  auto t = sign_access_token(claims(), keys.current());
  auto c = verify_access_token(t, keys, policy(), kNow + 10);
  ASSERT_TRUE(c.has_value()) << describe(c.error());
  EXPECT_EQ(c->sub, "user-1");
  EXPECT_EQ(c->sid, "session-1");
  EXPECT_EQ(c->username, "alice");
  EXPECT_EQ(c->exp, kNow + 900);
}

TEST_F(JwtTest, OlderKeyInTheSetStillVerifies) {
  auto t = sign_access_token(claims(), key("k0", 'b'));
  EXPECT_TRUE(verify_access_token(t, keys, policy(), kNow).has_value());
}

TEST_F(JwtTest, TamperedPayloadOrSignatureIsRefused) {
  auto t = sign_access_token(claims(), keys.current());
  const auto d1 = t.find('.');
  const auto d2 = t.rfind('.');
  auto payload = good_payload();
  payload["sub"] = "someone-else";
  std::string swapped = t.substr(0, d1 + 1) + base64url_encode(boost::json::serialize(payload)) +
                        t.substr(d2);
  EXPECT_EQ(verify_access_token(swapped, keys, policy(), kNow).error(), VerifyError::bad_signature);
  std::string flipped = t;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_access_token(flipped, keys, policy(), kNow).has_value());
}

TEST_F(JwtTest, ExpiredIsRefusedAfterTheLeeway) {
  auto t = sign_access_token(claims(), keys.current());
  EXPECT_TRUE(verify_access_token(t, keys, policy(), kNow + 900 + 30).has_value());
  EXPECT_EQ(verify_access_token(t, keys, policy(), kNow + 900 + 31).error(), VerifyError::expired);
  auto p = policy();
  p.ignore_expiry = true;
  EXPECT_TRUE(verify_access_token(t, keys, p, kNow + 900 + 31).has_value());
}

TEST_F(JwtTest, IssuedInTheFutureIsRefused) {
  auto t = sign_access_token(claims(), keys.current());
  EXPECT_EQ(verify_access_token(t, keys, policy(), kNow - 31).error(), VerifyError::not_yet_valid);
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  boost::json::object h{{"alg", "none"}, {"typ", "at+jwt"}, {"kid", "k1"}};
  std::string t = base64url_encode(boost::json::serialize(h)) + "." +
                  base64url_encode(boost::json::serialize(good_payload())) + ".";
  EXPECT_FALSE(verify_access_token(t, keys, policy(), kNow).has_value());
  t += "AAAA";
  EXPECT_EQ(verify_access_token(t, keys, policy(), kNow).error(), VerifyError::unsupported_alg);
}

TEST_F(JwtTest, OtherAlgorithmsAreRefused) {
  for (const char* alg : {"HS384", "HS512", "RS256", "ES256", "hs256"}) {
    auto h = good_header();
    h["alg"] = alg;
    EXPECT_EQ(verify_access_token(forge(h, good_payload(), std::string(32, 'a')), keys, policy(), kNow)
                  .error(),
              VerifyError::unsupported_alg)
        << alg;
  }
}

TEST_F(JwtTest, WrongKeyIsRefused) {
  auto t = forge(good_header(), good_payload(), std::string(32, 'z'));
  EXPECT_EQ(verify_access_token(t, keys, policy(), kNow).error(), VerifyError::bad_signature);
}

TEST_F(JwtTest, UnknownOrMissingKidIsRefused) {
  auto t = forge(good_header("nope"), good_payload(), std::string(32, 'a'));
  EXPECT_EQ(verify_access_token(t, keys, policy(), kNow).error(), VerifyError::unknown_kid);
  boost::json::object h{{"alg", "HS256"}, {"typ", "at+jwt"}};
  EXPECT_EQ(verify_access_token(forge(h, good_payload(), std::string(32, 'a')), keys, policy(), kNow)
                .error(),
            VerifyError::unknown_kid);
}

TEST_F(JwtTest, KeyCarryingHeadersAreRefused) {
  for (const char* h : {"jku", "jwk", "x5u", "x5c", "crit"}) {
    auto header = good_header();
    header[h] = "https://attacker.example/keys";
    EXPECT_EQ(verify_access_token(forge(header, good_payload(), std::string(32, 'a')), keys, policy(),
                                  kNow)
                  .error(),
              VerifyError::forbidden_header)
        << h;
  }
}

TEST_F(JwtTest, WrongTypeIsRefused) {
  for (const char* typ : {"JWT", "refresh", "rt+jwt"}) {
    auto h = good_header();
    h["typ"] = typ;
    EXPECT_EQ(verify_access_token(forge(h, good_payload(), std::string(32, 'a')), keys, policy(), kNow)
                  .error(),
              VerifyError::wrong_type)
        << typ;
  }
  auto h = good_header();
  h.erase("typ");
  EXPECT_EQ(verify_access_token(forge(h, good_payload(), std::string(32, 'a')), keys, policy(), kNow)
                .error(),
            VerifyError::wrong_type);
}

TEST_F(JwtTest, WrongIssuerOrAudienceIsRefused) {
  auto p = good_payload();
  p["iss"] = "http://evil";
  EXPECT_EQ(verify_access_token(forge(good_header(), p, std::string(32, 'a')), keys, policy(), kNow)
                .error(),
            VerifyError::wrong_issuer);
  p = good_payload();
  p["aud"] = boost::json::array{"other", "latchkey"};
  EXPECT_TRUE(verify_access_token(forge(good_header(), p, std::string(32, 'a')), keys, policy(), kNow)
                  .has_value());
  p["aud"] = "other";
  EXPECT_EQ(verify_access_token(forge(good_header(), p, std::string(32, 'a')), keys, policy(), kNow)
                .error(),
            VerifyError::wrong_audience);
}

TEST_F(JwtTest, MissingClaimsAreRefused) {
  for (const char* claim : {"sub", "sid", "exp", "iat", "jti", "iss"}) {
    auto p = good_payload();
    p.erase(claim);
    EXPECT_FALSE(verify_access_token(forge(good_header(), p, std::string(32, 'a')), keys, policy(),
                                     kNow)
                     .has_value())
        << claim;
  }
  auto p = good_payload();
  p["exp"] = "tomorrow";
  EXPECT_EQ(verify_access_token(forge(good_header(), p, std::string(32, 'a')), keys, policy(), kNow)
                .error(),
            VerifyError::missing_claim);
}

TEST_F(JwtTest, MalformedTextIsRefused) {
  const std::string huge(kMaxTokenLength + 1, 'a');
  for (std::string_view bad :
       {std::string_view(""), std::string_view("abc"), std::string_view("a.b"),
        std::string_view("a.b.c.d"), std::string_view("..."), std::string_view("e30.e30.e30"),
        std::string_view("!!!.???.***"), std::string_view("W10.W10.AAAA"), std::string_view(huge)}) {
    EXPECT_FALSE(verify_access_token(bad, keys, policy(), kNow).has_value()) << bad.substr(0, 20);
  }
  EXPECT_TRUE(looks_like_jwt("a.b.c"));
  EXPECT_FALSE(looks_like_jwt("lkr_abc"));
}

TEST(KeySet, KidForSecretIsStableAndRevealsNothing) {
  auto a = kid_for_secret(std::string(32, 'x'));
  EXPECT_EQ(a, kid_for_secret(std::string(32, 'x')));
  EXPECT_NE(a, kid_for_secret(std::string(32, 'y')));
  EXPECT_EQ(a.find("xxxx"), std::string::npos);
}
