// OAuth error codes, their descriptions and statuses (oidc/oauth_error.hpp).
#include <gtest/gtest.h>

#include "oidc/oauth_error.hpp"

namespace latchkey::oidc {
namespace {

using C = OAuthErrorCode;

TEST(OidcOAuthError, NamesAreTheSpecsCodes) {
  EXPECT_EQ(name_of(C::invalid_request), "invalid_request");
  EXPECT_EQ(name_of(C::unsupported_response_type), "unsupported_response_type");
  EXPECT_EQ(name_of(C::temporarily_unavailable), "temporarily_unavailable");
  EXPECT_EQ(name_of(C::login_required), "login_required");
  EXPECT_EQ(name_of(C::account_selection_required), "account_selection_required");
  EXPECT_EQ(name_of(C::request_uri_not_supported), "request_uri_not_supported");
  EXPECT_EQ(name_of(C::registration_not_supported), "registration_not_supported");
  EXPECT_EQ(name_of(C::insufficient_scope), "insufficient_scope");
  EXPECT_EQ(name_of(C::invalid_client_metadata), "invalid_client_metadata");
  EXPECT_EQ(name_of(static_cast<C>(999)), "server_error");  // never an invalid code on the wire
}

TEST(OidcOAuthError, DescriptionsKeepOnlyTheAllowedCharacters) {
  // %x20-21 / %x23-5B / %x5D-7E
  EXPECT_EQ(sanitize_error_description("scope \"admin\" is not\r\nallowed\\ here"), "scope admin is notallowed here");
  EXPECT_EQ(sanitize_error_description("caf\xc3\xa9\t\x7f!#[]~"), "caf!#[]~");
  EXPECT_EQ(sanitize_error_description(std::string("a\0b", 3)), "ab");
  const std::string long_text(1000, 'x');
  EXPECT_EQ(sanitize_error_description(long_text).size(), kMaxErrorDescription);
  const auto e = OAuthError::make(C::invalid_scope, "bad\nscope");
  EXPECT_EQ(e.code, C::invalid_scope);
  EXPECT_EQ(e.description, "badscope");
}

TEST(OidcOAuthError, JsonCarriesTheCodeAndADescriptionWhenThereIsOne) {
  EXPECT_EQ(to_json(OAuthError::make(C::invalid_grant, "code expired")),
            (boost::json::object{{"error", "invalid_grant"}, {"error_description", "code expired"}}));
  EXPECT_EQ(to_json(OAuthError::make(C::invalid_grant)), (boost::json::object{{"error", "invalid_grant"}}));
  // Filled by hand: sanitised on the way out all the same.
  EXPECT_EQ(to_json(OAuthError{C::invalid_request, "\"x\"\n"}).at("error_description"), "x");
}

TEST(OidcOAuthError, StatusesOfTheTokenEndpointAndResources) {
  EXPECT_EQ(http_status(C::invalid_request), 400);
  EXPECT_EQ(http_status(C::invalid_grant), 400);
  EXPECT_EQ(http_status(C::unsupported_grant_type), 400);
  EXPECT_EQ(http_status(C::invalid_client), 401);
  EXPECT_EQ(http_status(C::invalid_token), 401);
  EXPECT_EQ(http_status(C::insufficient_scope), 403);
  EXPECT_EQ(http_status(C::server_error), 500);
  EXPECT_EQ(http_status(C::temporarily_unavailable), 503);
}

}  // namespace
}  // namespace latchkey::oidc
