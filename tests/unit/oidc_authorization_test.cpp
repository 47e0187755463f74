// What an authorization request leads to (oidc/authorization.hpp): the named
// steps, sign-in then consent, without HTTP or a database.
#include "oidc/authorization.hpp"

#include <gtest/gtest.h>

namespace latchkey::oidc {
namespace {

constexpr UnixSeconds kNow = 1'800'000'000;

class DecideTest : public ::testing::Test {
 protected:
  DecideTest() {
    request_.scopes = {"openid", "profile"};
    session_.user.id = "u1";
    session_.session.created_at = kNow - 100;
    session_.session.auth_time = kNow - 100;
    consent_.scope = "openid profile";
  }

  Outcome decide_now(bool with_session = true, bool with_consent = true, bool signed_in_now = false,
                     std::optional<std::string_view> hinted = std::nullopt) {
    AuthorizationState s{request_, client_, with_session ? &session_ : nullptr, with_consent ? &consent_ : nullptr,
                         hinted, signed_in_now, false, kNow};
    return decide(s);
  }

  AuthorizationRequest request_;
  ClientMetadata client_;
  BrowserSession session_;
  store::Consent consent_;
};

TEST_F(DecideTest, ASessionAndAConsentGiveACode) { EXPECT_EQ(decide_now(), Outcome::issue_code); }

TEST_F(DecideTest, NoSessionSignsInOrSaysLoginRequired) {
  EXPECT_EQ(decide_now(false), Outcome::sign_in);
  request_.prompt.none = true;
  EXPECT_EQ(decide_now(false), Outcome::login_required);
}

TEST_F(DecideTest, NoConsentAsksOrSaysConsentRequiredUnlessFirstParty) {
  EXPECT_EQ(decide_now(true, false), Outcome::ask_consent);
  consent_.scope = "openid";  // less than asked
  EXPECT_EQ(decide_now(), Outcome::ask_consent);
  request_.prompt.none = true;
  EXPECT_EQ(decide_now(), Outcome::consent_required);
  client_.first_party = true;
  EXPECT_EQ(decide_now(true, false), Outcome::issue_code);
}

TEST_F(DecideTest, PromptLoginAsksAgainUntilTheCredentialIsEnteredNow) {
  request_.prompt.login = true;
  EXPECT_EQ(decide_now(), Outcome::sign_in);
  EXPECT_EQ(decide_now(true, true, true), Outcome::issue_code);
}

TEST_F(DecideTest, MaxAgeCountsFromTheLastCredential) {
  request_.max_age = 100;
  EXPECT_EQ(decide_now(), Outcome::issue_code);  // exactly 100 s ago
  request_.max_age = 99;
  EXPECT_EQ(decide_now(), Outcome::sign_in);
  request_.prompt.none = true;
  EXPECT_EQ(decide_now(), Outcome::login_required);
}

// OpenID Connect Core 3.1.2.1 (errata set 2): max_age=0 is prompt=login,
// even for a credential entered earlier in the same second.
TEST_F(DecideTest, MaxAgeZeroIsPromptLogin) {
  request_.max_age = 0;
  session_.session.auth_time = kNow;
  EXPECT_EQ(decide_now(), Outcome::sign_in);
  EXPECT_EQ(decide_now(true, true, true), Outcome::issue_code);
}

TEST_F(DecideTest, AHintForSomeoneElseAsksThatPersonToSignIn) {
  EXPECT_EQ(decide_now(true, true, false, "u1"), Outcome::issue_code);
  EXPECT_EQ(decide_now(true, true, false, "u2"), Outcome::sign_in);
  request_.prompt.none = true;
  EXPECT_EQ(decide_now(true, true, false, "u2"), Outcome::login_required);
}

}  // namespace
}  // namespace latchkey::oidc
