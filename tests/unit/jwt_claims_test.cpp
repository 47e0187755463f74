// token/claims.hpp: a JWT's parts and claims, as every verifier reads them.
#include "token/claims.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "crypto/base64url.hpp"

namespace latchkey::token {
namespace {

namespace json = boost::json;

json::object object(std::string_view text) { return json::parse(text).as_object(); }

TEST(JwtClaims, APartIsTheBase64urlOfOneJsonObject) {
  auto part = decode_json_part(crypto::base64url_encode(R"({"alg":"ES256","kid":"k1"})"));
  ASSERT_TRUE(part);
  EXPECT_EQ(part->at("kid").as_string(), "k1");
  EXPECT_FALSE(decode_json_part(crypto::base64url_encode("[1,2]")));     // no object
  EXPECT_FALSE(decode_json_part(crypto::base64url_encode("{\"a\":")));  // broken JSON
  EXPECT_FALSE(decode_json_part("e30*"));                                 // no base64url
  EXPECT_FALSE(decode_json_part(""));
  // Nested at most 8 deep.
  EXPECT_TRUE(decode_json_part(crypto::base64url_encode(R"({"a":[[[[[[1]]]]]]})")));
  EXPECT_FALSE(decode_json_part(crypto::base64url_encode(R"({"a":[[[[[[[[[1]]]]]]]]]})")));
}

TEST(JwtClaims, StringClaimIsAStringOrNothing) {
  const json::object o = object(R"({"sub":"u1","n":5,"none":null})");
  ASSERT_NE(string_claim(o, "sub"), nullptr);
  EXPECT_EQ(*string_claim(o, "sub"), "u1");
  EXPECT_EQ(string_claim(o, "n"), nullptr);
  EXPECT_EQ(string_claim(o, "none"), nullptr);
  EXPECT_EQ(string_claim(o, "absent"), nullptr);
}

TEST(JwtClaims, TimeClaimIsANumericDateInRange) {
  const json::object o = object(
      R"({"i":1700000000,"u":18446744073709551615,"d":1700000000.75,"big":1e300,"s":"1700000000","neg":-5})");
  EXPECT_EQ(time_claim(o, "i"), 1700000000);
  EXPECT_EQ(time_claim(o, "d"), 1700000000);  // a fraction is cut
  EXPECT_EQ(time_claim(o, "neg"), -5);
  EXPECT_FALSE(time_claim(o, "u"));    // beyond int64
  EXPECT_FALSE(time_claim(o, "big"));  // beyond int64 as a double
  EXPECT_FALSE(time_claim(o, "s"));    // a string is no NumericDate
  EXPECT_FALSE(time_claim(o, "absent"));
}

TEST(JwtClaims, AudienceIsTheOneOrInTheArray) {
  EXPECT_TRUE(audience_holds(object(R"({"aud":"app"})"), "app"));
  EXPECT_TRUE(audience_holds(object(R"({"aud":["other","app"]})"), "app"));
  EXPECT_FALSE(audience_holds(object(R"({"aud":["other",1]})"), "app"));
  EXPECT_FALSE(audience_holds(object(R"({"aud":"apps"})"), "app"));
  EXPECT_FALSE(audience_holds(object(R"({"aud":{"app":true}})"), "app"));
  EXPECT_FALSE(audience_holds(object(R"({})"), "app"));
}

}  // namespace
}  // namespace latchkey::token
