// api/middleware: the Authorization header's bearer token, the per-IP rate
// limit, the admin token check with its failure budget, and the bearer check
// against a real auth::Service.
#include "api/middleware.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "api_test_util.hpp"
#include "token/jwt.hpp"

namespace latchkey::api {
namespace {

using auth::AuthError;
using latchkey::testing::error_of;
using latchkey::testing::field_of;
using latchkey::testing::MultiHeaders;

// The bearer token of a request with these header fields, copied out.
auth::Expected<std::string> token_of(const MultiHeaders& headers) {
  http::Request req(headers);
  auto t = bearer_token(req);
  if (!t) return tl::unexpected(t.error());
  return std::string(*t);
}

auth::Expected<std::string> token_of(const std::string& authorization) {
  return token_of(MultiHeaders{{"Authorization", authorization}});
}

// A request from `ip` with these fields, and the middleware's answer to it.
struct Run {
  MultiHeaders headers;
  http::Request req{headers};
  std::optional<http::Response> answer;
};

std::unique_ptr<Run> run(const http::Middleware& m, MultiHeaders headers = {}, std::string_view ip = "10.0.0.1") {
  auto r = std::make_unique<Run>();
  r->headers = std::move(headers);
  r->req.method = "GET";
  r->req.path = "/x";
  r->req.remote_ip = ip;
  r->answer = m(r->req);
  return r;
}

MultiHeaders bearer(const std::string& token) { return MultiHeaders{{"Authorization", "Bearer " + token}}; }

// --- bearer_token ---

TEST(ApiBearerToken, NoHeaderIsTokenMissing) {
  EXPECT_EQ(token_of(MultiHeaders{}).error(), AuthError::token_missing);
  EXPECT_EQ(token_of("").error(), AuthError::token_missing);
}

TEST(ApiBearerToken, AnotherSchemeIsTokenMissing) {
  EXPECT_EQ(token_of("Basic dXNlcjpwYXNz").error(), AuthError::token_missing);
  EXPECT_EQ(token_of("Bearerabc").error(), AuthError::token_missing);   // no space after the scheme
  EXPECT_EQ(token_of("Bearers abc").error(), AuthError::token_missing);
  EXPECT_EQ(token_of("Token abc").error(), AuthError::token_missing);
}

TEST(ApiBearerToken, BearerWithNoTokenIsTokenMissing) {
  EXPECT_EQ(token_of("Bearer").error(), AuthError::token_missing);
  EXPECT_EQ(token_of("Bearer ").error(), AuthError::token_missing);
  EXPECT_EQ(token_of("Bearer     ").error(), AuthError::token_missing);
}

TEST(ApiBearerToken, TheSchemeIsCaseInsensitive) {
  EXPECT_EQ(token_of("Bearer abc.def").value(), "abc.def");
  EXPECT_EQ(token_of("bearer abc.def").value(), "abc.def");
  EXPECT_EQ(token_of("BEARER abc.def").value(), "abc.def");
  EXPECT_EQ(token_of("bEaReR abc.def").value(), "abc.def");
}

TEST(ApiBearerToken, TheTokenKeepsItsCase) { EXPECT_EQ(token_of("Bearer AbC.dEf").value(), "AbC.dEf"); }

TEST(ApiBearerToken, SurroundingSpacesAreTrimmed) {
  EXPECT_EQ(token_of("Bearer    abc  ").value(), "abc");
  EXPECT_EQ(token_of("Bearer abc ").value(), "abc");
}

TEST(ApiBearerToken, ASpaceCommaOrTabInsideIsTokenInvalid) {
  EXPECT_EQ(token_of("Bearer abc def").error(), AuthError::token_invalid);
  EXPECT_EQ(token_of("Bearer abc,def").error(), AuthError::token_invalid);
  EXPECT_EQ(token_of("Bearer abc\tdef").error(), AuthError::token_invalid);
  EXPECT_EQ(token_of("Bearer abc, Bearer def").error(), AuthError::token_invalid);
}

TEST(ApiBearerToken, OverTheTokenLimitIsTokenInvalid) {
  ASSERT_EQ(token::kMaxTokenLength, 8192u);
  EXPECT_EQ(token_of("Bearer " + std::string(8192, 'a')).value().size(), 8192u);
  EXPECT_EQ(token_of("Bearer " + std::string(8193, 'a')).error(), AuthError::token_invalid);
}

TEST(ApiBearerToken, ARepeatedHeaderIsTokenInvalid) {
  EXPECT_EQ(token_of(MultiHeaders{{"Authorization", "Bearer abc"}, {"Authorization", "Bearer abc"}}).error(),
            AuthError::token_invalid);
  EXPECT_EQ(token_of(MultiHeaders{{"Authorization", "Bearer abc"}, {"authorization", "Basic xyz"}}).error(),
            AuthError::token_invalid);
}

TEST(ApiBearerToken, TheHeaderNameIsCaseInsensitive) {
  EXPECT_EQ(token_of(MultiHeaders{{"authorization", "Bearer abc"}}).value(), "abc");
}

// --- admin_auth ---

constexpr std::string_view kAdminToken = "admin-token-0123456789abcdef";

// Limits in memory, with `failures` free admin failures a minute per IP.
std::unique_ptr<abuse::Limiter> admin_limits(std::uint32_t failures = 10) {
  abuse::Policies p = abuse::default_policies();
  p[abuse::index_of(abuse::Limit::admin_token)] = store::LimitPolicy{failures, 60, 0, 0, false};
  return std::make_unique<abuse::Limiter>(p, nullptr, false);
}

TEST(ApiAdminAuth, TheRightTokenPassesAsAdminApi) {
  auto limits = admin_limits(10);
  const http::Middleware m = admin_auth(std::string(kAdminToken), *limits);
  const auto r = run(m, bearer(std::string(kAdminToken)));
  EXPECT_FALSE(r->answer.has_value());
  EXPECT_EQ(r->req.identity.subject, "admin-api");
  EXPECT_TRUE(static_cast<bool>(r->req.identity));
}

TEST(ApiAdminAuth, NoTokenIs401TokenMissingWithTheAdminRealm) {
  auto limits = admin_limits(10);
  const http::Middleware m = admin_auth(std::string(kAdminToken), *limits);
  for (const MultiHeaders& h : {MultiHeaders{}, MultiHeaders{{"Authorization", "Bearer"}},
                                MultiHeaders{{"Authorization", "Basic " + std::string(kAdminToken)}}}) {
    const auto r = run(m, h);
    ASSERT_TRUE(r->answer.has_value());
    EXPECT_EQ(r->answer->status, 401u);
    EXPECT_EQ(error_of(*r->answer), "token_missing");
    EXPECT_EQ(field_of(*r->answer, "WWW-Authenticate"), "Bearer realm=\"latchkey-admin\"");
    EXPECT_FALSE(static_cast<bool>(r->req.identity));
  }
}

TEST(ApiAdminAuth, AWrongTokenIs401InvalidToken) {
  auto limits = admin_limits(10);
  const http::Middleware m = admin_auth(std::string(kAdminToken), *limits);
  const std::string right(kAdminToken);
  std::string upper = right;
  for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  for (const std::string& wrong : {std::string("nope"), right.substr(0, right.size() - 1), right + "x", upper}) {
    const auto r = run(m, bearer(wrong));
    ASSERT_TRUE(r->answer.has_value()) << wrong;
    EXPECT_EQ(r->answer->status, 401u) << wrong;
    EXPECT_EQ(error_of(*r->answer), "invalid_token") << wrong;
    EXPECT_EQ(field_of(*r->answer, "WWW-Authenticate"), "Bearer realm=\"latchkey-admin\"");
    EXPECT_FALSE(static_cast<bool>(r->req.identity));
  }
}

TEST(ApiAdminAuth, TheRightTokenTwiceInTheHeaderIsRefused) {
  auto limits = admin_limits(10);
  const http::Middleware m = admin_auth(std::string(kAdminToken), *limits);
  const std::string h = "Bearer " + std::string(kAdminToken);
  const auto r = run(m, MultiHeaders{{"Authorization", h}, {"Authorization", h}});
  ASSERT_TRUE(r->answer.has_value());
  EXPECT_EQ(r->answer->status, 401u);
  EXPECT_EQ(error_of(*r->answer), "invalid_token");
}

TEST(ApiAdminAuth, BeyondTheFailureBudget429WithRetryAfter) {
  auto limits = admin_limits(2);
  const http::Middleware m = admin_auth(std::string(kAdminToken), *limits);
  EXPECT_EQ(run(m, bearer("wrong"))->answer->status, 401u);
  EXPECT_EQ(run(m)->answer->status, 401u);  // a missing token counts too
  EXPECT_EQ(run(m, bearer("wrong"))->answer->status, 401u);  // past the free ones: this one locks
  const auto limited = run(m, bearer("wrong"));
  ASSERT_TRUE(limited->answer.has_value());
  EXPECT_EQ(limited->answer->status, 429u);
  EXPECT_EQ(error_of(*limited->answer), "rate_limited");
  const std::string retry = field_of(*limited->answer, "Retry-After");
  ASSERT_FALSE(retry.empty());
  EXPECT_GE(std::stol(retry), 1);
  // Another client IP has its own budget.
  EXPECT_EQ(run(m, bearer("wrong"), "10.0.0.9")->answer->status, 401u);
}

TEST(ApiAdminAuth, SuccessesDoNotSpendTheFailureBudget) {
  auto limits = admin_limits(1);
  const http::Middleware m = admin_auth(std::string(kAdminToken), *limits);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(run(m, bearer(std::string(kAdminToken)))->answer.has_value());
  EXPECT_EQ(run(m, bearer("wrong"))->answer->status, 401u);
  EXPECT_EQ(run(m, bearer("wrong"))->answer->status, 401u);  // locks
  EXPECT_EQ(run(m, bearer("wrong"))->answer->status, 429u);
  // Locked: even the right token is refused, before it is compared.
  EXPECT_EQ(run(m, bearer(std::string(kAdminToken)))->answer->status, 429u);
}

// --- bearer_auth and principal_of, with a real Service ---

class ApiBearerAuth : public ::testing::Test {
 protected:
  latchkey::testing::ServiceHarness h_;
  ErrorAnswers errors_{h_.service().options()};
  http::Middleware auth_ = bearer_auth(h_.service().authenticator(), errors_);
};

TEST_F(ApiBearerAuth, AValidAccessTokenFillsTheIdentity) {
  const auth::TokenPair t = h_.signup_and_login("alice");
  const auth::Principal expected = h_.service().authenticator().authenticate(t.access_token).value();
  const auto r = run(auth_, bearer(t.access_token));
  EXPECT_FALSE(r->answer.has_value());
  EXPECT_EQ(r->req.identity.subject, expected.user_id);
  EXPECT_NE(r->req.identity.subject, "alice");  // an id, not the name
  EXPECT_EQ(r->req.identity.name, "alice");
  EXPECT_EQ(r->req.identity.session, t.session_id);
  EXPECT_TRUE(r->req.identity.owner != nullptr);
}

TEST_F(ApiBearerAuth, PrincipalOfGivesBackTheSameIds) {
  const auth::TokenPair t = h_.signup_and_login("alice");
  const auto r = run(auth_, bearer(t.access_token));
  ASSERT_FALSE(r->answer.has_value());
  const auth::Principal p = principal_of(r->req);
  EXPECT_EQ(p.user_id, r->req.identity.subject);
  EXPECT_EQ(p.username, "alice");
  EXPECT_EQ(p.session_id, t.session_id);
  ASSERT_TRUE(p.token != nullptr);
  EXPECT_EQ(p.token->sid, t.session_id);
}

// The identity's views stay valid once the request's own header is gone.
TEST_F(ApiBearerAuth, TheIdentityOutlivesTheHeader) {
  const auth::TokenPair t = h_.signup_and_login("alice");
  http::Identity kept;
  {
    const auto r = run(auth_, bearer(t.access_token));
    ASSERT_FALSE(r->answer.has_value());
    kept = r->req.identity;
  }
  EXPECT_EQ(kept.name, "alice");
  EXPECT_EQ(kept.session, t.session_id);
}

TEST_F(ApiBearerAuth, AGarbageTokenIs401InvalidToken) {
  h_.signup_and_login("alice");
  const auto r = run(auth_, bearer("not.a.jwt"));
  ASSERT_TRUE(r->answer.has_value());
  EXPECT_EQ(r->answer->status, 401u);
  EXPECT_EQ(error_of(*r->answer), "invalid_token");
  EXPECT_NE(field_of(*r->answer, "WWW-Authenticate").find("error=\"invalid_token\""), std::string::npos);
  EXPECT_FALSE(static_cast<bool>(r->req.identity));
}

TEST_F(ApiBearerAuth, ATamperedTokenIs401InvalidToken) {
  auth::TokenPair t = h_.signup_and_login("alice");
  t.access_token.back() = t.access_token.back() == 'A' ? 'B' : 'A';
  const auto r = run(auth_, bearer(t.access_token));
  ASSERT_TRUE(r->answer.has_value());
  EXPECT_EQ(r->answer->status, 401u);
  EXPECT_EQ(error_of(*r->answer), "invalid_token");
}

TEST_F(ApiBearerAuth, NoTokenIs401TokenMissing) {
  const auto r = run(auth_);
  ASSERT_TRUE(r->answer.has_value());
  EXPECT_EQ(r->answer->status, 401u);
  EXPECT_EQ(error_of(*r->answer), "token_missing");
  EXPECT_EQ(field_of(*r->answer, "WWW-Authenticate"), "Bearer realm=\"latchkey\"");
}

TEST_F(ApiBearerAuth, ARefreshTokenIsTheWrongType) {
  const auth::TokenPair t = h_.signup_and_login("alice");
  const auto r = run(auth_, bearer(t.refresh_token));
  ASSERT_TRUE(r->answer.has_value());
  EXPECT_EQ(r->answer->status, 401u);
  EXPECT_EQ(error_of(*r->answer), "invalid_token_type");
}

TEST_F(ApiBearerAuth, ALoggedOutSessionIs401TokenRevoked) {
  const auth::TokenPair t = h_.signup_and_login("alice");
  const auth::Principal p = h_.service().authenticator().authenticate(t.access_token).value();
  ASSERT_TRUE(h_.service().sessions().logout_all(p, false, {}).has_value());
  const auto r = run(auth_, bearer(t.access_token));
  ASSERT_TRUE(r->answer.has_value());
  EXPECT_EQ(r->answer->status, 401u);
  EXPECT_EQ(error_of(*r->answer), "token_revoked");
}

TEST_F(ApiBearerAuth, ARepeatedAuthorizationHeaderIsRefused) {
  const auth::TokenPair t = h_.signup_and_login("alice");
  const std::string v = "Bearer " + t.access_token;
  const auto r = run(auth_, MultiHeaders{{"Authorization", v}, {"Authorization", v}});
  ASSERT_TRUE(r->answer.has_value());
  EXPECT_EQ(r->answer->status, 401u);
  EXPECT_EQ(error_of(*r->answer), "invalid_token");
}

}  // namespace
}  // namespace latchkey::api
