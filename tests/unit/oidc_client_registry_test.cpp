// oidc::ClientRegistry on the fake store: ids and secrets made once, kept
// as digests, checked in constant time; metadata checked before it is kept.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "crypto/random.hpp"
#include "fake_store.hpp"
#include "oidc/client_registry.hpp"

namespace latchkey::oidc {
namespace {

namespace json = boost::json;

class ClientRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { crypto::init(); }
  json::object meta(std::string_view text) { return json::parse(text).as_object(); }

  testing::FakeStore store_;
  UnixSeconds now_ = 1'800'000'000;
  ClientRegistry registry_{store_.clients(), [this] { return now_; }};
};

constexpr std::string_view kWeb = R"({"redirect_uris": ["https://app.example.com/cb"], "client_name": "App"})";

TEST_F(ClientRegistryTest, AddMakesAnIdASecretAndARegistrationTokenKeptAsDigests) {
  auto r = registry_.add(meta(kWeb), false);
  ASSERT_TRUE(r);
  EXPECT_GE(r->client.id.size(), 20u);
  EXPECT_GE(r->secret.size(), 43u);  // 256 bits, base64url
  EXPECT_GE(r->registration_token.size(), 43u);
  EXPECT_TRUE(r->client.has_secret);
  auto row = store_.clients().find(r->client.id).value();
  EXPECT_EQ(row.secret_digest.find(r->secret), std::string::npos);
  EXPECT_NE(row.secret_digest, r->secret);
  EXPECT_NE(row.registration_digest, r->registration_token);
  EXPECT_EQ(row.created_at, now_);
  EXPECT_EQ(registry_.find(r->client.id)->metadata.client_name, "App");
}

TEST_F(ClientRegistryTest, AnIdTokenAlgorithmNoKeySignsIsRefusedAtRegistration) {
  ClientRegistry keyed{store_.clients(), [this] { return now_; },
                       [] { return std::vector<std::string>{"ES256", "RS256"}; }};
  EXPECT_TRUE(keyed.add(meta(kWeb), false));  // RS256, the default
  auto es = keyed.add(meta(R"({"redirect_uris": ["https://a.example/cb"], "id_token_signed_response_alg": "ES256"})"),
                      false);
  ASSERT_TRUE(es);
  auto ed = keyed.add(meta(R"({"redirect_uris": ["https://a.example/cb"], "id_token_signed_response_alg": "EdDSA"})"),
                      false);
  ASSERT_FALSE(ed);
  EXPECT_EQ(ed.error().error, RegistryError::invalid_metadata);
  EXPECT_EQ(ed.error().metadata.code, "invalid_client_metadata");
  EXPECT_NE(ed.error().metadata.description.find("ES256, RS256"), std::string::npos) << ed.error().metadata.description;
  // An update is checked the same way; a client without the code flow never gets an id_token.
  EXPECT_FALSE(keyed.update(es->client.id, meta(R"({"redirect_uris": ["https://a.example/cb"],
                                                     "id_token_signed_response_alg": "EdDSA"})"), false));
  EXPECT_TRUE(keyed.add(meta(R"({"grant_types": ["client_credentials"], "response_types": [], "redirect_uris": [],
                                 "id_token_signed_response_alg": "EdDSA"})"), false));
  // Without the key set's answer (the CLI), nothing is checked here.
  EXPECT_TRUE(registry_.add(meta(R"({"redirect_uris": ["https://a.example/cb"], "id_token_signed_response_alg": "EdDSA"})"),
                            false));
}

TEST_F(ClientRegistryTest, APublicClientHasNoSecret) {
  auto r = registry_.add(meta(R"({"redirect_uris": ["http://127.0.0.1/cb"], "token_endpoint_auth_method": "none"})"),
                         false);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->secret.empty());
  EXPECT_FALSE(r->client.has_secret);
  EXPECT_EQ(registry_.authenticate(r->client.id, "").error().error, RegistryError::unauthorized);
  EXPECT_EQ(registry_.rotate_secret(r->client.id).error().error, RegistryError::invalid_metadata);
}

TEST_F(ClientRegistryTest, APrivateKeyJwtClientHasNoSecretEither) {
  const auto text = R"({"redirect_uris": ["https://app.example.com/cb"], "token_endpoint_auth_method": "private_key_jwt",
                        "jwks": {"keys": [{"kty": "EC", "crv": "P-256",
                                           "x": "cXq64DGrEgFswSRXvsLvD0vVtF92CPhNM1AlySz44s4",
                                           "y": "Kqyyn2tSzjVB4mGaKX7kVG9zZhJJJaMze2e2GQ4jeQs"}]}})";
  auto r = registry_.add(meta(text), false);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->secret.empty());
  EXPECT_FALSE(r->client.has_secret);
  EXPECT_EQ(registry_.rotate_secret(r->client.id).error().error, RegistryError::invalid_metadata);
  // A client moving to private_key_jwt loses its secret.
  auto web = registry_.add(meta(kWeb), false).value();
  auto moved = registry_.update(web.client.id, meta(text), false);
  ASSERT_TRUE(moved);
  EXPECT_FALSE(moved->has_secret);
  EXPECT_FALSE(registry_.authenticate(web.client.id, web.secret));
}

TEST_F(ClientRegistryTest, AuthenticateChecksTheSecret) {
  auto r = registry_.add(meta(kWeb), false).value();
  EXPECT_TRUE(registry_.authenticate(r.client.id, r.secret));
  EXPECT_EQ(registry_.authenticate(r.client.id, r.secret + "x").error().error, RegistryError::unauthorized);
  EXPECT_EQ(registry_.authenticate(r.client.id, "").error().error, RegistryError::unauthorized);
  EXPECT_EQ(registry_.authenticate("nobody", r.secret).error().error, RegistryError::not_found);
}

TEST_F(ClientRegistryTest, RotatingTheSecretEndsTheOldOne) {
  auto r = registry_.add(meta(kWeb), false).value();
  now_ += 60;
  auto rotated = registry_.rotate_secret(r.client.id).value();
  EXPECT_NE(rotated.secret, r.secret);
  EXPECT_FALSE(registry_.authenticate(r.client.id, r.secret));
  EXPECT_TRUE(registry_.authenticate(r.client.id, rotated.secret));
  EXPECT_EQ(rotated.client.updated_at, now_);
}

TEST_F(ClientRegistryTest, TheRegistrationTokenManagesItsOwnClientOnly) {
  auto a = registry_.add(meta(kWeb), false).value();
  auto b = registry_.add(meta(kWeb), false).value();
  EXPECT_TRUE(registry_.by_registration_token(a.client.id, a.registration_token));
  EXPECT_EQ(registry_.by_registration_token(a.client.id, b.registration_token).error().error,
            RegistryError::not_found);
  EXPECT_EQ(registry_.by_registration_token("nobody", a.registration_token).error().error, RegistryError::not_found);
}

TEST_F(ClientRegistryTest, UpdateReplacesTheMetadataAfterCheckingIt) {
  auto r = registry_.add(meta(kWeb), false).value();
  auto bad = registry_.update(r.client.id, meta(R"({"redirect_uris": ["javascript:x"]})"), false);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().error, RegistryError::invalid_metadata);
  EXPECT_EQ(bad.error().metadata.code, "invalid_redirect_uri");
  auto ok = registry_.update(r.client.id, meta(R"({"redirect_uris": ["https://b.example/cb"]})"), false);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->metadata.redirect_uris, std::vector<std::string>{"https://b.example/cb"});
  EXPECT_EQ(ok->metadata.client_name, "");  // the whole metadata is replaced
  EXPECT_TRUE(registry_.authenticate(r.client.id, r.secret));  // the secret stays
  // Becoming public drops the secret.
  auto pub = registry_.update(r.client.id, meta(R"({"redirect_uris": ["https://b.example/cb"],
                                                    "token_endpoint_auth_method": "none"})"), false);
  ASSERT_TRUE(pub);
  EXPECT_FALSE(pub->has_secret);
  EXPECT_FALSE(registry_.authenticate(r.client.id, r.secret));
  EXPECT_EQ(registry_.update("nobody", meta(kWeb), false).error().error, RegistryError::not_found);
}

// Parsed metadata is reused only while the stored row holds the same text:
// a change, made here or by another instance straight in the store, counts
// at the next read.
TEST_F(ClientRegistryTest, ReadsFollowTheStoredRowNotAnEarlierParse) {
  auto r = registry_.add(meta(kWeb), false).value();
  EXPECT_EQ(registry_.find(r.client.id)->metadata.client_name, "App");
  EXPECT_EQ(registry_.find(r.client.id)->metadata.client_name, "App");  // parsed once, reused
  auto row = store_.clients().find(r.client.id).value();
  row.metadata = R"({"client_name": "Elsewhere", "redirect_uris": ["https://b.example/cb"]})";
  ASSERT_TRUE(store_.clients().update(row));
  auto found = registry_.find(r.client.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->metadata.client_name, "Elsewhere");
  EXPECT_EQ(found->metadata.redirect_uris, std::vector<std::string>{"https://b.example/cb"});
  ASSERT_TRUE(store_.clients().remove(r.client.id));
  EXPECT_EQ(registry_.find(r.client.id).error().error, RegistryError::not_found);
}

TEST_F(ClientRegistryTest, FirstPartyOnlyFromAnAdministratorAndKept) {
  const auto text = R"({"redirect_uris": ["https://app.example.com/cb"], "first_party": true})";
  EXPECT_EQ(registry_.add(meta(text), false).error().error, RegistryError::invalid_metadata);
  auto r = registry_.add(meta(text), true);
  ASSERT_TRUE(r);
  EXPECT_TRUE(registry_.find(r->client.id)->metadata.first_party);
}

TEST_F(ClientRegistryTest, ListPagesAndRemoveDeletes) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(registry_.add(meta(kWeb), false)->client.id);
  std::sort(ids.begin(), ids.end());
  auto page = registry_.list("", 2).value();
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, ids[0]);
  EXPECT_EQ(registry_.list(ids[1], 10)->size(), 1u);
  ASSERT_TRUE(registry_.remove(ids[0]));
  EXPECT_EQ(registry_.find(ids[0]).error().error, RegistryError::not_found);
  EXPECT_EQ(registry_.remove(ids[0]).error().error, RegistryError::not_found);
}

TEST_F(ClientRegistryTest, AStoreThatFailsIsUnavailable) {
  store_.fail_next(store::StoreError::unavailable);
  EXPECT_EQ(registry_.add(meta(kWeb), false).error().error, RegistryError::unavailable);
  auto r = registry_.add(meta(kWeb), false).value();
  store_.fail_next(store::StoreError::unavailable);
  EXPECT_EQ(registry_.authenticate(r.client.id, r.secret).error().error, RegistryError::unavailable);
}

}  // namespace
}  // namespace latchkey::oidc
