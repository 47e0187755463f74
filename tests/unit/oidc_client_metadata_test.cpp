// Which redirect URIs and which client metadata registration accepts
// (oidc/redirect_uri.hpp, oidc/client_metadata.hpp).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "oidc/client_metadata.hpp"
#include "oidc/redirect_uri.hpp"

namespace latchkey::oidc {
namespace {

namespace json = boost::json;

TEST(RedirectUri, TheThreeKindsAreAccepted) {
  EXPECT_EQ(check_redirect_uri("https://app.example.com/cb").value(), RedirectKind::web);
  EXPECT_EQ(check_redirect_uri("https://app.example.com:8443/cb?x=1").value(), RedirectKind::web);
  EXPECT_EQ(check_redirect_uri("http://127.0.0.1:5999/cb").value(), RedirectKind::loopback);
  EXPECT_EQ(check_redirect_uri("http://[::1]/cb").value(), RedirectKind::loopback);
  EXPECT_EQ(check_redirect_uri("http://localhost:3000/cb").value(), RedirectKind::loopback);
  EXPECT_EQ(check_redirect_uri("com.example.app:/oauth2redirect").value(), RedirectKind::native);
}

TEST(RedirectUri, HostileAndSloppyOnesAreRefusedWithAReason) {
  for (const char* uri : {
           "",                                      // empty
           "javascript:alert(1)",                   // runs code
           "JavaScript://example.com/%0Aalert(1)",  // and so does this
           "data:text/html,<script>",               // embeds content
           "file:///etc/passwd",
           "vbscript:msgbox",
           "https://app.example.com/cb#frag",       // fragment
           "https://*.example.com/cb",              // wildcard
           "https://app.example.com/c b",           // space
           "https://app.example.com/cb\r\nX: y",    // header injection
           "https://user:pw@app.example.com/cb",    // credentials
           "https:///cb",                           // no host
           "http://app.example.com/cb",             // plain http off loopback
           "http://127.0.0.1.evil.com/cb",
           "http://localhost.evil.com/cb",
           "https://1.2.3.4.evil.com/cb",          // read as 1.2.3.4 by the parser
           "/relative/cb",                          // not absolute
           "app:/cb",                               // private-use without a domain
           "com.example.app://host/cb",             // private-use with a host
       }) {
    auto r = check_redirect_uri(uri);
    EXPECT_FALSE(r.has_value()) << uri;
    if (!r) {
      EXPECT_FALSE(r.error().empty()) << uri;
    }
  }
  EXPECT_FALSE(check_redirect_uri(std::string("https://a.example/") + std::string(kMaxRedirectUri, 'a')));
  EXPECT_FALSE(check_redirect_uri(std::string("https://a.example/\xc3\xa9")));  // raw UTF-8: percent-encode it
}

TEST(RedirectUri, BackchannelUrisAreWebOrLoopback) {
  EXPECT_TRUE(check_backchannel_uri("https://rp.example.com/logout"));
  EXPECT_TRUE(check_backchannel_uri("http://127.0.0.1:9000/bc"));
  EXPECT_FALSE(check_backchannel_uri("com.example.app:/bc"));
  EXPECT_FALSE(check_backchannel_uri("https://rp.example.com/logout#x"));
}

tl::expected<ClientMetadata, MetadataError> parse(const std::string& text, bool admin = false) {
  return parse_client_metadata(json::parse(text).as_object(), admin);
}

TEST(ClientMetadata, DefaultsAreAConfidentialCodeClientAskingForOpenid) {
  auto m = parse(R"j({"redirect_uris": ["https://app.example.com/cb"], "client_name": "App"})j");
  ASSERT_TRUE(m) << m.error().description;
  EXPECT_EQ(m->client_name, "App");
  EXPECT_EQ(m->grant_types, std::vector<std::string>{"authorization_code"});
  EXPECT_EQ(m->response_types, std::vector<std::string>{"code"});
  EXPECT_EQ(m->token_endpoint_auth_method, AuthMethod::client_secret_basic);
  EXPECT_EQ(m->id_token_signed_response_alg, "RS256");
  EXPECT_EQ(m->scope, "openid");
  EXPECT_FALSE(m->first_party);
  EXPECT_FALSE(m->is_public());
}

TEST(ClientMetadata, APublicNativeClientWithRefreshTokens) {
  auto m = parse(R"j({"redirect_uris": ["com.example.app:/cb", "http://127.0.0.1/cb"],
                     "grant_types": ["authorization_code", "refresh_token"],
                     "token_endpoint_auth_method": "none", "scope": "openid  profile offline_access",
                     "id_token_signed_response_alg": "EdDSA", "unknown_member": [1, 2]})j");
  ASSERT_TRUE(m) << m.error().description;
  EXPECT_TRUE(m->is_public());
  EXPECT_TRUE(m->allows_grant("refresh_token"));
  EXPECT_EQ(m->scope, "openid profile offline_access");
  EXPECT_TRUE(m->allows_scope("offline_access"));
  EXPECT_FALSE(m->allows_scope("email"));
  EXPECT_FALSE(m->allows_scope("offline"));
  // Redirect URIs match as strings only: no other port, no added query, no prefix.
  EXPECT_TRUE(m->registers_redirect("http://127.0.0.1/cb"));
  EXPECT_FALSE(m->registers_redirect("http://127.0.0.1:8080/cb"));
  EXPECT_FALSE(m->registers_redirect("http://127.0.0.1/cb?x=1"));
  EXPECT_FALSE(m->registers_redirect("com.example.app:/"));
  EXPECT_FALSE(m->registers_redirect(""));
}

TEST(ClientMetadata, AMachineClientNeedsNoRedirect) {
  auto m = parse(R"j({"grant_types": ["client_credentials"], "response_types": []})j");
  ASSERT_TRUE(m) << m.error().description;
  EXPECT_TRUE(m->redirect_uris.empty());
  EXPECT_FALSE(parse(R"j({"grant_types": ["client_credentials"], "response_types": [],
                         "token_endpoint_auth_method": "none"})j"));
}

TEST(ClientMetadata, EachRuleRefusesWithTheSpecsCode) {
  const std::pair<const char*, const char*> cases[] = {
      {R"j({})j", "invalid_redirect_uri"},  // the code grant needs a redirect URI
      {R"j({"redirect_uris": ["javascript:alert(1)"]})j", "invalid_redirect_uri"},
      {R"j({"redirect_uris": "https://app.example.com/cb"})j", "invalid_client_metadata"},
      {R"j({"redirect_uris": [1]})j", "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "grant_types": ["implicit"]})j", "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "grant_types": ["password"]})j", "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "response_types": ["token"]})j", "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "response_types": ["code id_token"]})j",
       "invalid_client_metadata"},
      {R"j({"grant_types": ["refresh_token"], "response_types": []})j", "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"})j",
       "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "id_token_signed_response_alg": "none"})j",
       "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "id_token_signed_response_alg": "HS256"})j",
       "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "scope": "openid \"admin\""})j", "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "scope": 7})j", "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "client_name": "a\u0001b"})j", "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "first_party": true})j", "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "first_party": "yes"})j", "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "post_logout_redirect_uris": ["data:x"]})j",
       "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "backchannel_logout_uri": "com.example.app:/bc"})j",
       "invalid_client_metadata"},
      {R"j({"redirect_uris": ["https://a.example/cb"], "jwks": {"no": "keys"}})j", "invalid_client_metadata"},
  };
  for (const auto& [text, code] : cases) {
    auto m = parse(text);
    ASSERT_FALSE(m) << text;
    EXPECT_EQ(m.error().code, code) << text;
    EXPECT_FALSE(m.error().description.empty()) << text;
  }
}

// An EC P-256 public key (made with openssl ecparam).
constexpr std::string_view kEcJwk =
    R"j({"kty": "EC", "crv": "P-256", "kid": "1", "x": "cXq64DGrEgFswSRXvsLvD0vVtF92CPhNM1AlySz44s4",
         "y": "Kqyyn2tSzjVB4mGaKX7kVG9zZhJJJaMze2e2GQ4jeQs"})j";

TEST(ClientMetadata, PrivateKeyJwtNeedsAPublicKeyAndNoSecret) {
  auto m = parse(R"j({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt",
                     "grant_types": ["authorization_code", "client_credentials"],
                     "jwks": {"keys": [)j" + std::string(kEcJwk) + "]}}");
  ASSERT_TRUE(m) << m.error().description;
  EXPECT_EQ(m->token_endpoint_auth_method, AuthMethod::private_key_jwt);
  EXPECT_FALSE(m->is_public());
  EXPECT_FALSE(m->uses_secret());
  EXPECT_EQ(to_json(*m).at("token_endpoint_auth_method"), "private_key_jwt");
  auto again = parse_client_metadata(to_json(*m), false);
  ASSERT_TRUE(again) << again.error().description;
  EXPECT_EQ(to_json(*again), to_json(*m));

  for (const char* jwks : {
           R"j("jwks": {"keys": []})j",                                            // no key
           R"j("jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}]})j",  // not a point
           R"j("jwks": {"keys": [{"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}]})j",  // a curve we do not verify
       }) {
    auto bad = parse(R"j({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt", )j" +
                     std::string(jwks) + "}");
    ASSERT_FALSE(bad) << jwks;
    EXPECT_EQ(bad.error().code, "invalid_client_metadata");
  }
}

TEST(ClientMetadata, JwksHoldsPublicKeysOnly) {
  for (const char* key : {R"j({"kty": "oct", "k": "c2VjcmV0"})j",
                          R"j({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"})j",
                          R"j({"kty": "RSA", "n": "AA", "e": "AQAB", "p": "AA"})j", R"j("not a key")j"}) {
    auto bad = parse(R"j({"redirect_uris": ["https://a.example/cb"], "jwks": {"keys": [)j" + std::string(key) + "]}}");
    ASSERT_FALSE(bad) << key;
    EXPECT_EQ(bad.error().code, "invalid_client_metadata");
  }
  EXPECT_TRUE(parse(R"j({"redirect_uris": ["https://a.example/cb"], "jwks": {"keys": [)j" + std::string(kEcJwk) + "]}}"));
}

TEST(ClientMetadata, LimitsOnSizes) {
  std::string many = R"j({"redirect_uris": [)j";
  for (std::size_t i = 0; i <= kMaxRedirectUris; ++i) {
    // (Appended piece by piece: gcc 12 sees a false overflow in a chain of +.)
    if (i) many += ',';
    many.append("\"https://a.example/").append(std::to_string(i)).append("\"");
  }
  many += "]}";
  EXPECT_FALSE(parse(many));
  EXPECT_FALSE(parse(R"j({"redirect_uris": ["https://a.example/cb"], "client_name": ")j" + std::string(201, 'x') + "\"}"));
  EXPECT_TRUE(parse(R"j({"redirect_uris": ["https://a.example/cb"], "client_name": ")j" + std::string(200, 'x') + "\"}"));
}

TEST(ClientMetadata, FirstPartyIsAnAdministratorsChoice) {
  auto m = parse(R"j({"redirect_uris": ["https://a.example/cb"], "first_party": true})j", true);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->first_party);
}

TEST(ClientMetadata, JsonRoundTrips) {
  auto m = parse(R"j({"redirect_uris": ["https://a.example/cb"], "client_name": "Ä app",
                     "grant_types": ["authorization_code", "refresh_token"], "scope": "openid email",
                     "backchannel_logout_uri": "https://a.example/bc", "backchannel_logout_session_required": true,
                     "post_logout_redirect_uris": ["https://a.example/bye"], "jwks": {"keys": []}})j");
  ASSERT_TRUE(m) << m.error().description;
  auto again = parse_client_metadata(to_json(*m), false);
  ASSERT_TRUE(again) << again.error().description;
  EXPECT_EQ(to_json(*again), to_json(*m));
  EXPECT_EQ(again->backchannel_logout_uri, "https://a.example/bc");
  EXPECT_TRUE(again->backchannel_logout_session_required);
}

}  // namespace
}  // namespace latchkey::oidc
