// api/error_answers: the one way from an auth failure to an HTTP answer.
// status_of per kind; for every AuthError its status, JSON body, challenge
// and Retry-After; the messages that name a configured limit; reply().
#include "api/error_answers.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api_test_util.hpp"

namespace latchkey::api {
namespace {

using auth::AuthError;
using auth::ErrorKind;
using latchkey::testing::body_of;
using latchkey::testing::error_of;
using latchkey::testing::field_of;
using latchkey::testing::fields_of;
using latchkey::testing::message_of;

// Every AuthError: the enumerators are consecutive from 0 to `internal`.
std::vector<AuthError> every_error() {
  std::vector<AuthError> out;
  for (int i = 0; i <= static_cast<int>(AuthError::internal); ++i) out.push_back(static_cast<AuthError>(i));
  return out;
}

// The code clients see for each failure (they branch on these).
const std::map<AuthError, std::string> kCodes = {
    {AuthError::credentials_required, "invalid_request"},
    {AuthError::username_invalid, "invalid_username"},
    {AuthError::password_too_short, "weak_password"},
    {AuthError::password_too_long, "invalid_password"},
    {AuthError::password_common, "weak_password"},
    {AuthError::password_is_username, "weak_password"},
    {AuthError::username_taken, "user_exists"},
    {AuthError::passwords_required, "invalid_request"},
    {AuthError::invalid_credentials, "invalid_credentials"},
    {AuthError::token_missing, "token_missing"},
    {AuthError::token_invalid, "invalid_token"},
    {AuthError::token_expired, "token_expired"},
    {AuthError::token_wrong_type, "invalid_token_type"},
    {AuthError::session_ended, "token_revoked"},
    {AuthError::token_reused, "token_reused"},
    {AuthError::token_mismatch, "token_mismatch"},
    {AuthError::session_not_found, "session_not_found"},
    {AuthError::account_disabled, "account_disabled"},
    {AuthError::user_not_found, "user_not_found"},
    {AuthError::ip_invalid, "invalid_request"},
    {AuthError::rate_limited, "rate_limited"},
    {AuthError::password_required, "password_required"},
    {AuthError::mfa_code_required, "invalid_request"},
    {AuthError::mfa_code_invalid, "invalid_mfa_code"},
    {AuthError::mfa_token_invalid, "invalid_mfa_token"},
    {AuthError::totp_unavailable, "totp_unavailable"},
    {AuthError::factor_exists, "factor_exists"},
    {AuthError::factor_not_found, "factor_not_found"},
    {AuthError::passkey_invalid, "invalid_passkey"},
    {AuthError::passkey_exists, "passkey_exists"},
    {AuthError::email_invalid, "invalid_email"},
    {AuthError::email_unverified, "email_unverified"},
    {AuthError::email_token_invalid, "invalid_email_token"},
    {AuthError::reset_token_invalid, "invalid_reset_token"},
    {AuthError::email_taken, "email_taken"},
    {AuthError::mail_unavailable, "mail_unavailable"},
    {AuthError::no_email, "no_email"},
    {AuthError::email_already_verified, "email_already_verified"},
    {AuthError::second_factor_required, "mfa_code_required"},
    {AuthError::passkeys_unavailable, "passkeys_unavailable"},
    {AuthError::unavailable, "unavailable"},
    {AuthError::internal, "internal_error"},
};

// Failures of a presented token: their challenge says error="invalid_token" (RFC 6750 3.1).
bool is_token_failure(AuthError e) {
  return e == AuthError::token_invalid || e == AuthError::token_expired || e == AuthError::token_wrong_type ||
         e == AuthError::session_ended || e == AuthError::token_reused;
}

TEST(ApiStatusOf, EveryKindHasItsStatus) {
  EXPECT_EQ(status_of(ErrorKind::invalid_input), 400u);
  EXPECT_EQ(status_of(ErrorKind::unauthenticated), 401u);
  EXPECT_EQ(status_of(ErrorKind::forbidden), 403u);
  EXPECT_EQ(status_of(ErrorKind::not_found), 404u);
  EXPECT_EQ(status_of(ErrorKind::conflict), 409u);
  EXPECT_EQ(status_of(ErrorKind::exhausted), 429u);
  EXPECT_EQ(status_of(ErrorKind::unavailable), 503u);
  EXPECT_EQ(status_of(ErrorKind::internal), 500u);
}

TEST(ApiStatusOf, AnOutOfRangeKindIs500) {
  EXPECT_EQ(status_of(static_cast<ErrorKind>(99)), 500u);
}

TEST(ApiErrorAnswers, TheCodeTableCoversEveryError) {
  EXPECT_EQ(kCodes.size(), every_error().size());
  for (AuthError e : every_error()) EXPECT_TRUE(kCodes.contains(e)) << static_cast<int>(e);
}

TEST(ApiErrorAnswers, EveryErrorGetsTheStatusOfItsKind) {
  const ErrorAnswers errors;
  for (AuthError e : every_error()) {
    EXPECT_EQ(errors(e).status, status_of(auth::kind_of(e))) << static_cast<int>(e);
  }
}

TEST(ApiErrorAnswers, EveryErrorHasAJsonBodyOfCodeAndMessage) {
  const ErrorAnswers errors;
  for (AuthError e : every_error()) {
    const http::Response r = errors(e);
    const auto body = body_of(r);
    EXPECT_EQ(body.size(), 2u) << r.body;
    ASSERT_TRUE(body.contains("error") && body.at("error").is_string()) << r.body;
    ASSERT_TRUE(body.contains("message") && body.at("message").is_string()) << r.body;
    EXPECT_EQ(error_of(r), kCodes.at(e)) << r.body;
    EXPECT_FALSE(message_of(r).empty()) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.cache_control, "no-store");
  }
}

TEST(ApiErrorAnswers, Every401CarriesABearerChallenge) {
  const ErrorAnswers errors;
  for (AuthError e : every_error()) {
    const http::Response r = errors(e);
    const auto challenges = fields_of(r, "WWW-Authenticate");
    if (r.status != 401) {
      EXPECT_TRUE(challenges.empty()) << static_cast<int>(e) << " is " << r.status << " with a challenge";
      continue;
    }
    ASSERT_EQ(challenges.size(), 1u) << static_cast<int>(e);
    EXPECT_TRUE(challenges[0].starts_with("Bearer realm=\"latchkey\"")) << challenges[0];
  }
}

TEST(ApiErrorAnswers, TokenFailuresSayInvalidTokenWithADescription) {
  const ErrorAnswers errors;
  for (AuthError e : every_error()) {
    if (!is_token_failure(e)) continue;
    constexpr std::string_view head = "Bearer realm=\"latchkey\", error=\"invalid_token\", error_description=\"";
    const std::string c = field_of(errors(e), "WWW-Authenticate");
    EXPECT_TRUE(c.starts_with(head)) << c;
    EXPECT_TRUE(c.ends_with("\"")) << c;
    EXPECT_GT(c.size(), head.size() + 1) << "empty description: " << c;
  }
  EXPECT_EQ(field_of(errors(AuthError::token_expired), "WWW-Authenticate"),
            "Bearer realm=\"latchkey\", error=\"invalid_token\", error_description=\"token expired\"");
}

// No credential, or a wrong password: a bare challenge, no token error (RFC 6750 3.1).
TEST(ApiErrorAnswers, MissingTokenAndBadCredentialsGetABareChallenge) {
  const ErrorAnswers errors;
  EXPECT_EQ(field_of(errors(AuthError::token_missing), "WWW-Authenticate"), "Bearer realm=\"latchkey\"");
  EXPECT_EQ(field_of(errors(AuthError::invalid_credentials), "WWW-Authenticate"), "Bearer realm=\"latchkey\"");
}

TEST(ApiErrorAnswers, Only503CarriesRetryAfter) {
  const ErrorAnswers errors;
  for (AuthError e : every_error()) {
    const http::Response r = errors(e);
    if (r.status == 503) {
      EXPECT_EQ(field_of(r, "Retry-After"), "1") << static_cast<int>(e);
    } else {
      EXPECT_TRUE(fields_of(r, "Retry-After").empty()) << static_cast<int>(e);
    }
  }
  EXPECT_EQ(errors(AuthError::unavailable).status, 503u);
}

TEST(ApiErrorAnswers, DefaultLimitsAreTheMessagesClientsSawBefore) {
  const ErrorAnswers errors;
  EXPECT_EQ(message_of(errors(AuthError::username_invalid)),
            "Username must be 1 to 64 characters with no control characters");
  EXPECT_EQ(message_of(errors(AuthError::password_too_long)), "Password must be at most 1024 bytes");
}

TEST(ApiErrorAnswers, MessagesStateTheConfiguredLimits) {
  const ErrorAnswers errors(32, 512);
  const std::string username = message_of(errors(AuthError::username_invalid));
  const std::string password = message_of(errors(AuthError::password_too_long));
  EXPECT_NE(username.find("1 to 32 characters"), std::string::npos) << username;
  EXPECT_EQ(username.find("64"), std::string::npos) << username;
  EXPECT_NE(password.find("at most 512 bytes"), std::string::npos) << password;
  EXPECT_EQ(password.find("1024"), std::string::npos) << password;
  // The codes and statuses do not depend on the limits.
  EXPECT_EQ(error_of(errors(AuthError::username_invalid)), "invalid_username");
  EXPECT_EQ(errors(AuthError::password_too_long).status, 400u);
}

TEST(ApiErrorAnswers, LimitsComeFromAuthOptions) {
  auth::Options o;
  o.max_username_chars = 20;
  o.max_password_bytes = 300;
  const ErrorAnswers errors(o);
  EXPECT_NE(message_of(errors(AuthError::username_invalid)).find("1 to 20 characters"), std::string::npos);
  EXPECT_NE(message_of(errors(AuthError::password_too_long)).find("at most 300 bytes"), std::string::npos);
}

TEST(ApiReply, NoResultIs503Unavailable) {
  const ErrorAnswers errors;
  std::optional<auth::Expected<int>> none;
  bool called = false;
  const http::Response r = reply(errors, none, [&](int) {
    called = true;
    return http::Response{};
  });
  EXPECT_FALSE(called);
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(error_of(r), "unavailable");
  EXPECT_EQ(field_of(r, "Retry-After"), "1");
}

TEST(ApiReply, AFailureIsItsAnswer) {
  const ErrorAnswers errors(10, 20);
  std::optional<auth::Expected<int>> failed = auth::Expected<int>(tl::unexpected(AuthError::username_invalid));
  bool called = false;
  const http::Response r = reply(errors, failed, [&](int) {
    called = true;
    return http::Response{};
  });
  EXPECT_FALSE(called);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(error_of(r), "invalid_username");
  EXPECT_NE(message_of(r).find("1 to 10 characters"), std::string::npos);  // the same ErrorAnswers' limits
}

TEST(ApiReply, AValueGoesToOk) {
  const ErrorAnswers errors;
  std::optional<auth::Expected<int>> value = auth::Expected<int>(42);
  const http::Response r = reply(errors, value, [](int v) {
    http::Response out;
    out.status = 201;
    out.body = std::to_string(v);
    return out;
  });
  EXPECT_EQ(r.status, 201u);
  EXPECT_EQ(r.body, "42");
}

TEST(ApiReply, AVoidValueCallsOkWithNothing) {
  const ErrorAnswers errors;
  std::optional<auth::Expected<void>> done = auth::Expected<void>();
  int calls = 0;
  const http::Response r = reply(errors, done, [&] {
    ++calls;
    return http::Response{};
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.status, 200u);

  std::optional<auth::Expected<void>> failed = auth::Expected<void>(tl::unexpected(AuthError::session_not_found));
  EXPECT_EQ(reply(errors, failed, [&] { ++calls; return http::Response{}; }).status, 404u);
  EXPECT_EQ(calls, 1);
}

TEST(ApiReply, WithoutTheOptionalAFailureOrAValue) {
  const ErrorAnswers errors;
  auth::Expected<std::string> bad = tl::unexpected(AuthError::token_expired);
  const http::Response r = reply(errors, bad, [](const std::string&) { return http::Response{}; });
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(error_of(r), "token_expired");
  EXPECT_FALSE(field_of(r, "WWW-Authenticate").empty());

  auth::Expected<std::string> good = std::string("hi");
  EXPECT_EQ(reply(errors, good, [](const std::string& s) {
              http::Response out;
              out.body = s;
              return out;
            }).body,
            "hi");
}

}  // namespace
}  // namespace latchkey::api
