// PKCE S256 (oidc/pkce.hpp), with RFC 7636 Appendix B's example.
#include <gtest/gtest.h>

#include "oidc/pkce.hpp"

namespace latchkey::oidc {
namespace {

constexpr const char* kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr const char* kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

TEST(OidcPkce, Rfc7636AppendixB) {
  EXPECT_EQ(s256_challenge(kVerifier), kChallenge);
  EXPECT_TRUE(verify_s256(kVerifier, kChallenge));
}

TEST(OidcPkce, AnyOtherVerifierOrChallengeFails) {
  std::string other = kVerifier;
  other.back() = 'l';
  EXPECT_FALSE(verify_s256(other, kChallenge));
  std::string challenge = kChallenge;
  challenge[0] = 'F';
  EXPECT_FALSE(verify_s256(kVerifier, challenge));
  EXPECT_FALSE(verify_s256(kVerifier, kVerifier));  // "plain" is not S256
  EXPECT_FALSE(verify_s256("", ""));
  EXPECT_FALSE(verify_s256(kVerifier, std::string(kChallenge) + "="));
}

TEST(OidcPkce, VerifierSyntax) {
  EXPECT_TRUE(valid_verifier(std::string(43, 'a')));
  EXPECT_TRUE(valid_verifier(std::string(128, '~')));
  EXPECT_TRUE(valid_verifier("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"));
  EXPECT_FALSE(valid_verifier(std::string(42, 'a')));
  EXPECT_FALSE(valid_verifier(std::string(129, 'a')));
  EXPECT_FALSE(valid_verifier(std::string(42, 'a') + "+"));
  EXPECT_FALSE(valid_verifier(std::string(42, 'a') + " "));
  EXPECT_FALSE(valid_verifier(std::string(42, 'a') + "\xc3"));
  // A short verifier never verifies, even against its own challenge.
  EXPECT_FALSE(verify_s256("short", s256_challenge("short")));
}

TEST(OidcPkce, ChallengeSyntax) {
  EXPECT_TRUE(valid_challenge(kChallenge));
  EXPECT_FALSE(valid_challenge(std::string(kChallenge).substr(0, 42)));
  EXPECT_FALSE(valid_challenge(std::string(kChallenge) + "A"));
  EXPECT_FALSE(valid_challenge(std::string(42, 'A') + "+"));  // base64, not base64url
  // The last character holds 4 bits of the digest and 2 zero bits.
  EXPECT_TRUE(valid_challenge(std::string(42, 'A') + "E"));
  EXPECT_FALSE(valid_challenge(std::string(42, 'A') + "B"));
}

}  // namespace
}  // namespace latchkey::oidc
