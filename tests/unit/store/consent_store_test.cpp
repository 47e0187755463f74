// ConsentStore: what each user let each client do. Every test runs on
// SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

namespace latchkey::store_test {
namespace {

class ConsentStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db().users().create(user("u1", "alice")));
    ASSERT_TRUE(db().users().create(user("u2", "bob")));
    for (const char* id : {"app", "other", "third"})
      ASSERT_TRUE(db().clients().add(OAuthClient{id, "", "", "{}", 100, 100}));
  }
};

std::vector<std::string> clients_of(const std::vector<Consent>& rows) {
  std::vector<std::string> out;
  for (const auto& c : rows) out.push_back(c.client_id);
  return out;
}

}  // namespace

TEST_P(ConsentStoreTest, GrantedConsentIsFoundAsStored) {
  const Consent c{"u1", "app", "email openid profile", 1000};
  ASSERT_TRUE(db().consents().grant(c));
  EXPECT_EQ(show(db().consents().find("u1", "app").value()), show(c));
  EXPECT_EQ(db().consents().find("u1", "other").error(), StoreError::not_found);
  EXPECT_EQ(db().consents().find("u2", "app").error(), StoreError::not_found);
}

TEST_P(ConsentStoreTest, GrantingAgainReplacesTheRow) {
  ASSERT_TRUE(db().consents().grant(Consent{"u1", "app", "openid", 1000}));
  ASSERT_TRUE(db().consents().grant(Consent{"u1", "app", "email openid", 2000}));
  EXPECT_EQ(show(db().consents().find("u1", "app").value()), show(Consent{"u1", "app", "email openid", 2000}));
  EXPECT_EQ(db().consents().list_for_user("u1")->size(), 1u);
}

TEST_P(ConsentStoreTest, GrantNeedsTheUserAndTheClient) {
  EXPECT_EQ(db().consents().grant(Consent{"ghost", "app", "openid", 1000}).error(), StoreError::not_found);
  EXPECT_EQ(db().consents().grant(Consent{"u1", "ghost", "openid", 1000}).error(), StoreError::not_found);
  EXPECT_TRUE(db().consents().list_for_user("ghost")->empty());
  EXPECT_TRUE(db().consents().list_for_user("u1")->empty());
}

TEST_P(ConsentStoreTest, ListIsTheUsersNewestFirst) {
  ASSERT_TRUE(db().consents().grant(Consent{"u1", "other", "openid", 1000}));
  ASSERT_TRUE(db().consents().grant(Consent{"u1", "app", "openid", 3000}));
  ASSERT_TRUE(db().consents().grant(Consent{"u1", "third", "openid", 2000}));
  ASSERT_TRUE(db().consents().grant(Consent{"u2", "app", "openid", 4000}));
  EXPECT_EQ(clients_of(db().consents().list_for_user("u1").value()),
            (std::vector<std::string>{"app", "third", "other"}));
  EXPECT_EQ(clients_of(db().consents().list_for_user("u2").value()), (std::vector<std::string>{"app"}));
  EXPECT_TRUE(db().consents().list_for_user("nobody")->empty());
}

TEST_P(ConsentStoreTest, RevokeRemovesOnce) {
  ASSERT_TRUE(db().consents().grant(Consent{"u1", "app", "openid", 1000}));
  ASSERT_TRUE(db().consents().grant(Consent{"u2", "app", "openid", 1000}));
  ASSERT_TRUE(db().consents().revoke("u1", "app"));
  EXPECT_EQ(db().consents().find("u1", "app").error(), StoreError::not_found);
  EXPECT_EQ(db().consents().revoke("u1", "app").error(), StoreError::not_found);
  EXPECT_TRUE(db().consents().find("u2", "app").has_value());
}

TEST_P(ConsentStoreTest, DeletingTheUserOrTheClientDeletesItsConsents) {
  ASSERT_TRUE(db().consents().grant(Consent{"u1", "app", "openid", 1000}));
  ASSERT_TRUE(db().consents().grant(Consent{"u1", "other", "openid", 1000}));
  ASSERT_TRUE(db().consents().grant(Consent{"u2", "app", "openid", 1000}));
  ASSERT_TRUE(db().consents().grant(Consent{"u2", "other", "openid", 1000}));
  ASSERT_TRUE(db().clients().remove("other"));
  EXPECT_EQ(clients_of(db().consents().list_for_user("u1").value()), (std::vector<std::string>{"app"}));
  EXPECT_EQ(clients_of(db().consents().list_for_user("u2").value()), (std::vector<std::string>{"app"}));
  ASSERT_TRUE(db().admin().delete_user("u1", 2000, 0));
  EXPECT_TRUE(db().consents().list_for_user("u1")->empty());
  EXPECT_EQ(clients_of(db().consents().list_for_user("u2").value()), (std::vector<std::string>{"app"}));
  // A new account or client with the same id starts without any.
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().clients().add(OAuthClient{"other", "", "", "{}", 100, 100}));
  EXPECT_TRUE(db().consents().list_for_user("u1")->empty());
  EXPECT_EQ(db().consents().find("u2", "other").error(), StoreError::not_found);
}

INSTANTIATE_FOR_EVERY_BACKEND(ConsentStoreTest);

}  // namespace latchkey::store_test
