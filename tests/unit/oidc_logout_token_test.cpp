// Back-channel logout tokens (oidc/logout_token.hpp).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "crypto/random.hpp"
#include "oidc/logout_token.hpp"
#include "token/compact_jws.hpp"
#include "token/jws.hpp"
#include "token/key_material.hpp"
#include "token_test_util.hpp"

namespace latchkey::oidc {
namespace {

namespace json = boost::json;
using token::Alg;
using token::testing::kNow;

constexpr const char* kIssuer = "https://id.example.com";

class OidcLogoutToken : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    crypto::init();
    rs_ = new token::SigningKey(token::generate_key(Alg::RS256, "rs-1", kNow).value());
    ed_ = new token::SigningKey(token::generate_key(Alg::EdDSA, "ed-1", kNow).value());
  }
  static void TearDownTestSuite() {
    delete rs_;
    delete ed_;
  }
  static inline token::SigningKey* rs_ = nullptr;
  static inline token::SigningKey* ed_ = nullptr;
};

TEST_F(OidcLogoutToken, LogoutTokensFollowBackChannelLogout24) {
  auto t = sign_logout_token({kIssuer, "client-1", "user-1", "sid-1", kNow}, *rs_);
  auto jws = token::parse_compact_jws(t.jwt).value();
  EXPECT_EQ(jws.header, (json::object{{"typ", "logout+jwt"}, {"alg", "RS256"}, {"kid", "rs-1"}}));
  EXPECT_TRUE(token::verify_signature(*rs_, jws.signing_input, jws.signature));
  const json::object& p = jws.payload;
  EXPECT_EQ(p.at("iss"), kIssuer);
  EXPECT_EQ(p.at("aud"), "client-1");
  EXPECT_EQ(p.at("sub"), "user-1");
  EXPECT_EQ(p.at("sid"), "sid-1");
  EXPECT_EQ(p.at("iat"), kNow);
  EXPECT_EQ(p.at("exp"), kNow + kLogoutTokenLifetime);
  EXPECT_EQ(p.at("jti"), json::value(t.jti));
  EXPECT_GE(t.jti.size(), 22u);
  EXPECT_EQ(p.at("events"), (json::object{{"http://schemas.openid.net/event/backchannel-logout", json::object{}}}));
  EXPECT_FALSE(p.contains("nonce"));
  EXPECT_NE(sign_logout_token({kIssuer, "client-1", "user-1", "sid-1", kNow}, *rs_).jti, t.jti);
}

TEST_F(OidcLogoutToken, LogoutTokensNeedSubOrSid) {
  auto sid_only = token::parse_compact_jws(sign_logout_token({kIssuer, "c", "", "sid-1", kNow}, *ed_).jwt)->payload;
  EXPECT_FALSE(sid_only.contains("sub"));
  EXPECT_EQ(sid_only.at("sid"), "sid-1");
  auto sub_only = token::parse_compact_jws(sign_logout_token({kIssuer, "c", "u", "", kNow}, *ed_).jwt)->payload;
  EXPECT_FALSE(sub_only.contains("sid"));
  EXPECT_THROW(sign_logout_token({kIssuer, "c", "", "", kNow}, *ed_), std::invalid_argument);
}

}  // namespace
}  // namespace latchkey::oidc
