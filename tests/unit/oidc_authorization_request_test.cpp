// Authorization requests and their redirects (oidc/authorization_request.hpp).
#include <gtest/gtest.h>

#include "http/form.hpp"
#include "oidc/authorization_request.hpp"

namespace latchkey::oidc {
namespace {

using C = OAuthErrorCode;

constexpr const char* kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr const char* kRedirect = "https://app.example.com/cb";

ClientMetadata confidential() {
  ClientMetadata m;
  m.redirect_uris = {kRedirect};
  m.scope = "openid profile email offline_access";
  return m;
}

ClientMetadata public_client() {
  ClientMetadata m = confidential();
  m.token_endpoint_auth_method = AuthMethod::none;
  return m;
}

http::FormFields good() {
  return {{"response_type", "code"},   {"client_id", "c1"},
          {"redirect_uri", kRedirect}, {"scope", "openid profile"},
          {"state", "s-1"},            {"code_challenge", kChallenge},
          {"code_challenge_method", "S256"}};
}

http::FormFields with(http::FormFields f, const std::string& name, const std::string& value) {
  f[name] = value;
  return f;
}

http::FormFields without(http::FormFields f, const std::string& name) {
  f.erase(name);
  return f;
}

OAuthErrorCode refused(const http::FormFields& f, const ClientMetadata& client = public_client()) {
  auto r = validate(f, client, kRedirect);
  EXPECT_FALSE(r.has_value());
  return r ? C::server_error : r.error().code;
}

TEST(OidcAuthorizationRequest, IdentifyFindsTheClientAndItsRedirect) {
  auto ref = identify(good()).value();
  EXPECT_EQ(ref.client_id, "c1");
  EXPECT_EQ(ref.redirect_uri, kRedirect);
  EXPECT_EQ(identify(without(good(), "redirect_uri"))->redirect_uri, "");
}

TEST(OidcAuthorizationRequest, IdentifyErrorsArePagesNeverRedirects) {
  for (const auto& f : {without(good(), "client_id"), with(good(), "client_id", ""),
                        with(good(), "client_id", std::string(kMaxClientId + 1, 'c')),
                        with(good(), "client_id", "c\n1"),
                        with(good(), "redirect_uri", "https://a.example/" + std::string(kMaxRequestRedirectUri, 'a'))}) {
    auto r = identify(f);
    ASSERT_FALSE(r);
    EXPECT_FALSE(r.error().description.empty());
  }
  EXPECT_TRUE(identify(with(good(), "client_id", std::string(kMaxClientId, 'c'))));
}

TEST(OidcAuthorizationRequest, AGoodRequestReadsBack) {
  auto f = good();
  f["nonce"] = "n-0S6_WzA2Mj";
  f["prompt"] = "login consent";
  f["max_age"] = "3600";
  f["login_hint"] = "alice";
  f["id_token_hint"] = "aaa.bbb.ccc";
  f["ui_locales"] = "de";  // unknown to us: ignored
  auto r = validate(f, public_client(), kRedirect).value();
  EXPECT_EQ(r.client_id, "c1");
  EXPECT_EQ(r.redirect_uri, kRedirect);
  EXPECT_EQ(r.scopes, (std::vector<std::string>{"openid", "profile"}));
  EXPECT_EQ(r.scope(), "openid profile");
  EXPECT_TRUE(r.openid());
  EXPECT_EQ(r.state, "s-1");
  EXPECT_EQ(r.nonce, "n-0S6_WzA2Mj");
  EXPECT_EQ(r.code_challenge, kChallenge);
  EXPECT_TRUE(r.prompt.login && r.prompt.consent && !r.prompt.none && !r.prompt.select_account);
  EXPECT_EQ(r.max_age, 3600);
  EXPECT_EQ(r.login_hint, "alice");
  EXPECT_EQ(r.id_token_hint, "aaa.bbb.ccc");
}

TEST(OidcAuthorizationRequest, ResponseTypeAndMode) {
  EXPECT_EQ(refused(without(good(), "response_type")), C::invalid_request);
  EXPECT_EQ(refused(with(good(), "response_type", "token")), C::unsupported_response_type);
  EXPECT_EQ(refused(with(good(), "response_type", "code id_token")), C::unsupported_response_type);
  EXPECT_EQ(refused(with(good(), "response_type", "")), C::unsupported_response_type);
  EXPECT_EQ(refused(with(good(), "response_mode", "fragment")), C::invalid_request);
  EXPECT_EQ(refused(with(good(), "response_mode", "form_post")), C::invalid_request);
  EXPECT_TRUE(validate(with(good(), "response_mode", "query"), public_client(), kRedirect));
  ClientMetadata machine = confidential();
  machine.grant_types = {"client_credentials"};
  machine.response_types = {};
  EXPECT_EQ(refused(good(), machine), C::unauthorized_client);
}

TEST(OidcAuthorizationRequest, RequestObjectsAndInlineRegistrationAreNotSupported) {
  EXPECT_EQ(refused(with(good(), "request", "eyJ.eyJ.sig")), C::request_not_supported);
  EXPECT_EQ(refused(with(good(), "request_uri", "https://rp.example/r")), C::request_uri_not_supported);
  EXPECT_EQ(refused(with(good(), "registration", "{}")), C::registration_not_supported);
}

TEST(OidcAuthorizationRequest, Scopes) {
  EXPECT_EQ(refused(without(good(), "scope")), C::invalid_scope);
  EXPECT_EQ(refused(with(good(), "scope", "")), C::invalid_scope);
  EXPECT_EQ(refused(with(good(), "scope", "   ")), C::invalid_scope);
  EXPECT_EQ(refused(with(good(), "scope", "openid admin")), C::invalid_scope);
  EXPECT_EQ(refused(with(good(), "scope", "openid\tprofile")), C::invalid_scope);
  EXPECT_EQ(refused(with(good(), "scope", std::string(kMaxScope, ' ') + "openid")), C::invalid_scope);
  auto r = validate(with(good(), "scope", "profile openid  profile openid email"), public_client(), kRedirect).value();
  EXPECT_EQ(r.scopes, (std::vector<std::string>{"profile", "openid", "email"}));
  // Plain OAuth (no openid): allowed, and then no redirect_uri is required.
  auto oauth = validate(without(with(good(), "scope", "profile"), "redirect_uri"), public_client(), kRedirect).value();
  EXPECT_FALSE(oauth.openid());
  // OpenID Connect requires the redirect_uri parameter (Core 3.1.2.1).
  EXPECT_EQ(refused(without(good(), "redirect_uri")), C::invalid_request);
}

TEST(OidcAuthorizationRequest, PkceIsS256AndRequiredOfPublicClients) {
  EXPECT_EQ(refused(with(good(), "code_challenge_method", "plain")), C::invalid_request);
  EXPECT_EQ(refused(with(good(), "code_challenge_method", "plain"), confidential()), C::invalid_request);
  EXPECT_EQ(refused(with(good(), "code_challenge_method", "S512")), C::invalid_request);
  EXPECT_EQ(refused(with(good(), "code_challenge_method", "s256")), C::invalid_request);
  // Without a method the challenge would be plain.
  EXPECT_EQ(refused(without(good(), "code_challenge_method")), C::invalid_request);
  EXPECT_EQ(refused(without(good(), "code_challenge_method"), confidential()), C::invalid_request);
  EXPECT_EQ(refused(without(good(), "code_challenge")), C::invalid_request);
  EXPECT_EQ(refused(with(good(), "code_challenge", "short")), C::invalid_request);
  auto none = without(without(good(), "code_challenge"), "code_challenge_method");
  auto r = validate(none, public_client(), kRedirect);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().description, "PKCE S256 required for this client");
  // A confidential client may go without.
  EXPECT_EQ(validate(none, confidential(), kRedirect)->code_challenge, "");
  EXPECT_EQ(validate(good(), confidential(), kRedirect)->code_challenge, kChallenge);
}

TEST(OidcAuthorizationRequest, StateIsKeptExactlyAndBounded) {
  EXPECT_EQ(validate(with(good(), "state", ""), public_client(), kRedirect)->state, "");
  EXPECT_EQ(validate(with(good(), "state", "a b+c/=\xc3\xa9"), public_client(), kRedirect)->state, "a b+c/=\xc3\xa9");
  EXPECT_FALSE(validate(without(good(), "state"), public_client(), kRedirect)->state.has_value());
  EXPECT_TRUE(validate(with(good(), "state", std::string(kMaxState, 's')), public_client(), kRedirect));
  EXPECT_EQ(refused(with(good(), "state", std::string(kMaxState + 1, 's'))), C::invalid_request);
  EXPECT_EQ(refused(with(good(), "state", "a\nb")), C::invalid_request);
  EXPECT_EQ(refused(with(good(), "state", "\xff")), C::invalid_request);
}

TEST(OidcAuthorizationRequest, StateIsThereForTheErrorRedirectEvenWhenValidationFails) {
  auto f = with(good(), "response_type", "token");
  ASSERT_FALSE(validate(f, public_client(), kRedirect));
  EXPECT_EQ(state_of(f), "s-1");
  EXPECT_FALSE(state_of(without(good(), "state")));
  EXPECT_FALSE(state_of(with(good(), "state", std::string(kMaxState + 1, 's'))));
}

TEST(OidcAuthorizationRequest, NonceHintsAndTheirLimits) {
  EXPECT_FALSE(validate(with(good(), "nonce", ""), public_client(), kRedirect)->nonce.has_value());
  EXPECT_TRUE(validate(with(good(), "nonce", std::string(kMaxNonce, 'n')), public_client(), kRedirect));
  EXPECT_EQ(refused(with(good(), "nonce", std::string(kMaxNonce + 1, 'n'))), C::invalid_request);
  EXPECT_EQ(refused(with(good(), "nonce", std::string("a\0b", 3))), C::invalid_request);
  EXPECT_TRUE(validate(with(good(), "login_hint", std::string(kMaxLoginHint, 'h')), public_client(), kRedirect));
  EXPECT_EQ(refused(with(good(), "login_hint", std::string(kMaxLoginHint + 1, 'h'))), C::invalid_request);
  EXPECT_TRUE(validate(with(good(), "id_token_hint", std::string(kMaxIdTokenHint, 'a')), public_client(), kRedirect));
  EXPECT_EQ(refused(with(good(), "id_token_hint", std::string(kMaxIdTokenHint + 1, 'a'))), C::invalid_request);
  EXPECT_EQ(refused(with(good(), "id_token_hint", "a b.c")), C::invalid_request);
  EXPECT_FALSE(validate(with(good(), "id_token_hint", ""), public_client(), kRedirect)->id_token_hint.has_value());
}

TEST(OidcAuthorizationRequest, Prompt) {
  auto p = [](const std::string& v) { return validate(with(good(), "prompt", v), public_client(), kRedirect); };
  EXPECT_TRUE(p("none")->prompt.none);
  EXPECT_TRUE(p("select_account")->prompt.select_account);
  EXPECT_TRUE(p("consent  login")->prompt.login);
  EXPECT_TRUE(p(""));
  EXPECT_EQ(refused(with(good(), "prompt", "none login")), C::invalid_request);
  EXPECT_EQ(refused(with(good(), "prompt", "none none")), C::invalid_request);
  EXPECT_EQ(refused(with(good(), "prompt", "create")), C::invalid_request);
}

TEST(OidcAuthorizationRequest, MaxAge) {
  auto age = [](const std::string& v) { return validate(with(good(), "max_age", v), public_client(), kRedirect); };
  EXPECT_EQ(age("0")->max_age, 0);
  EXPECT_EQ(age("007")->max_age, 7);
  EXPECT_EQ(age(std::to_string(kMaxMaxAge))->max_age, kMaxMaxAge);
  for (const char* bad : {"-1", "", "+5", "1.5", "1e3", " 5", "abc", "315360001", "99999999999999999999"}) {
    EXPECT_EQ(refused(with(good(), "max_age", bad)), C::invalid_request) << bad;
  }
  EXPECT_FALSE(validate(good(), public_client(), kRedirect)->max_age.has_value());
}

TEST(OidcAuthorizationRequest, DescriptionsAreSafeForARedirect) {
  auto r = validate(with(good(), "scope", "openid \"x\"\\"), public_client(), kRedirect);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().description.find_first_of("\"\\\r\n"), std::string::npos);
}

TEST(OidcAuthorizationRedirect, CodeStateAndIssuerAreAddedToTheQuery) {
  EXPECT_EQ(code_redirect_uri("https://app.example.com/cb", "abc", std::string("s 1&x=y"), "https://id.example.com"),
            "https://app.example.com/cb?code=abc&state=s%201%26x%3Dy&iss=https%3A%2F%2Fid.example.com");
  EXPECT_EQ(code_redirect_uri("https://app.example.com/cb?tenant=a", "abc", std::nullopt, "https://id"),
            "https://app.example.com/cb?tenant=a&code=abc&iss=https%3A%2F%2Fid");
  EXPECT_EQ(code_redirect_uri("https://app.example.com/cb?", "abc", std::string(""), "i"),
            "https://app.example.com/cb?code=abc&state=&iss=i");
  EXPECT_EQ(code_redirect_uri("com.example.app:/cb", "a-b.c_d~", std::nullopt, "i"),
            "com.example.app:/cb?code=a-b.c_d~&iss=i");
  // Never after a fragment.
  EXPECT_EQ(code_redirect_uri("https://a.example/cb#frag", "c", std::nullopt, "i"),
            "https://a.example/cb?code=c&iss=i#frag");
}

TEST(OidcAuthorizationRedirect, ErrorsCarryTheirCodeDescriptionStateAndIssuer) {
  EXPECT_EQ(error_redirect_uri(kRedirect, OAuthError::make(C::access_denied, "the user said no"), std::string("s\xc3\xa9"),
                               "https://id.example.com"),
            "https://app.example.com/cb?error=access_denied&error_description=the%20user%20said%20no&state=s%C3%A9"
            "&iss=https%3A%2F%2Fid.example.com");
  EXPECT_EQ(error_redirect_uri(kRedirect, OAuthError{C::login_required, "\n"}, std::nullopt, "i"),
            "https://app.example.com/cb?error=login_required&iss=i");
  EXPECT_EQ(authorization_response_uri(kRedirect, {{"a b", "\r\n"}}, "i"), "https://app.example.com/cb?a%20b=%0D%0A&iss=i");
}

TEST(OidcAuthorizationRequest, ParsedFromAQueryString) {
  auto f = http::parse_form("response_type=code&client_id=c1&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb"
                            "&scope=openid+profile&state=xyz&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                            "&code_challenge_method=S256")
               .value();
  auto ref = identify(f).value();
  ASSERT_EQ(ref.redirect_uri, kRedirect);
  auto r = validate(f, public_client(), ref.redirect_uri).value();
  EXPECT_EQ(r.scope(), "openid profile");
  EXPECT_EQ(r.state, "xyz");
}

}  // namespace
}  // namespace latchkey::oidc
