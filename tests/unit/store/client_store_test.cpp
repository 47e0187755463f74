// ClientStore: OAuth clients. Every test runs on SQLite and on PostgreSQL
// (store_fixture.hpp).
#include "store_fixture.hpp"

namespace latchkey::store_test {
namespace {

class ClientStoreTest : public StoreTest {};

OAuthClient client(std::string id, std::string metadata = R"({"client_name":"App"})") {
  return OAuthClient{std::move(id), "secret-digest", "registration-digest", std::move(metadata), 100, 100};
}

std::vector<std::string> ids(const std::vector<OAuthClient>& rows) {
  std::vector<std::string> out;
  for (const auto& c : rows) out.push_back(c.id);
  return out;
}

}  // namespace

TEST_P(ClientStoreTest, AddedClientsAreFoundAsStored) {
  const OAuthClient c = client("c1", R"({"client_name":"Ä \"app\"","redirect_uris":["https://a.example/cb"]})");
  ASSERT_TRUE(db().clients().add(c));
  auto found = db().clients().find("c1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, c.id);
  EXPECT_EQ(found->secret_digest, c.secret_digest);
  EXPECT_EQ(found->registration_digest, c.registration_digest);
  EXPECT_EQ(found->metadata, c.metadata);
  EXPECT_EQ(found->created_at, 100);
  EXPECT_EQ(found->updated_at, 100);
  EXPECT_EQ(db().clients().find("c2").error(), StoreError::not_found);
}

TEST_P(ClientStoreTest, ATakenIdIsAConflict) {
  ASSERT_TRUE(db().clients().add(client("c1")));
  EXPECT_EQ(db().clients().add(client("c1", "{}")).error(), StoreError::conflict);
  EXPECT_EQ(db().clients().find("c1")->metadata, R"({"client_name":"App"})");
}

TEST_P(ClientStoreTest, PublicClientsHaveNoSecretDigest) {
  OAuthClient c = client("pub");
  c.secret_digest.clear();
  ASSERT_TRUE(db().clients().add(c));
  EXPECT_EQ(db().clients().find("pub")->secret_digest, "");
}

TEST_P(ClientStoreTest, ListIsInIdOrderAndPages) {
  for (const char* id : {"c3", "c1", "c2", "c4"}) ASSERT_TRUE(db().clients().add(client(id)));
  EXPECT_EQ(ids(db().clients().list("", 10).value()), (std::vector<std::string>{"c1", "c2", "c3", "c4"}));
  EXPECT_EQ(ids(db().clients().list("", 2).value()), (std::vector<std::string>{"c1", "c2"}));
  EXPECT_EQ(ids(db().clients().list("c2", 10).value()), (std::vector<std::string>{"c3", "c4"}));
  EXPECT_TRUE(db().clients().list("c4", 10)->empty());
}

TEST_P(ClientStoreTest, UpdateReplacesAllButIdAndCreation) {
  ASSERT_TRUE(db().clients().add(client("c1")));
  OAuthClient changed{"c1", "new-secret", "", R"({"client_name":"Renamed"})", 999, 200};
  ASSERT_TRUE(db().clients().update(changed));
  auto found = db().clients().find("c1").value();
  EXPECT_EQ(found.secret_digest, "new-secret");
  EXPECT_EQ(found.registration_digest, "");
  EXPECT_EQ(found.metadata, R"({"client_name":"Renamed"})");
  EXPECT_EQ(found.created_at, 100);
  EXPECT_EQ(found.updated_at, 200);
  EXPECT_EQ(db().clients().update(client("nobody")).error(), StoreError::not_found);
}

TEST_P(ClientStoreTest, RemoveDeletesOnce) {
  ASSERT_TRUE(db().clients().add(client("c1")));
  ASSERT_TRUE(db().clients().remove("c1"));
  EXPECT_EQ(db().clients().find("c1").error(), StoreError::not_found);
  EXPECT_EQ(db().clients().remove("c1").error(), StoreError::not_found);
}

INSTANTIATE_FOR_EVERY_BACKEND(ClientStoreTest);

}  // namespace latchkey::store_test
