// The hosted sign-in forms' refusals (oidc/endpoints/sign_in_refusals.hpp):
// the same words and status for the same refusal on every form, and
// nothing that tells whether an account exists.
#include "oidc/endpoints/sign_in_refusals.hpp"

#include <gtest/gtest.h>

namespace latchkey::oidc {
namespace {

using E = auth::AuthError;
constexpr SignInForm kForms[] = {SignInForm::password, SignInForm::second_step, SignInForm::passkey};

TEST(SignInRefusals, TheSameRefusalReadsTheSameOnEveryForm) {
  for (SignInForm f : kForms) {
    EXPECT_EQ(sign_in_refusal(f, E::rate_limited).status, 429u);
    EXPECT_EQ(sign_in_refusal(f, E::rate_limited).text, sign_in_refusal(SignInForm::password, E::rate_limited).text);
    EXPECT_EQ(sign_in_refusal(f, E::account_disabled).status, 403u);
    EXPECT_EQ(sign_in_refusal(f, E::unavailable).status, 503u);
  }
}

TEST(SignInRefusals, AnUnknownUserAndAWrongPasswordAreOneAnswer) {
  const Refusal unknown = sign_in_refusal(SignInForm::password, E::invalid_credentials);
  EXPECT_EQ(unknown.status, 401u);
  EXPECT_EQ(unknown.text, "Wrong username or password.");
  EXPECT_EQ(sign_in_refusal(SignInForm::password, E::user_not_found).text, unknown.text);
}

TEST(SignInRefusals, EachFormNamesItsOwnCredential) {
  EXPECT_EQ(sign_in_refusal(SignInForm::second_step, E::mfa_code_invalid).text,
            "That code did not work. Check it and try again.");
  EXPECT_EQ(sign_in_refusal(SignInForm::second_step, E::mfa_code_required).status, 400u);
  EXPECT_EQ(sign_in_refusal(SignInForm::passkey, E::passkey_invalid).status, 401u);
  // Only the password's check can send a new verification link.
  EXPECT_NE(sign_in_refusal(SignInForm::password, E::email_unverified).text,
            sign_in_refusal(SignInForm::passkey, E::email_unverified).text);
  EXPECT_EQ(sign_in_refusal(SignInForm::passkey, E::email_unverified).status, 403u);
}

}  // namespace
}  // namespace latchkey::oidc
