// AuthorizationCodeStore: one-time authorization codes. Every test runs on
// SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

#include <atomic>

namespace latchkey::store_test {
namespace {

class AuthorizationCodeStoreTest : public StoreTest {};

AuthorizationCode code(std::string hash, UnixSeconds created = 1000, UnixSeconds expires = 1060) {
  AuthorizationCode c;
  c.code_hash = std::move(hash);
  c.client_id = "app";
  c.user_id = "u1";
  c.browser_session_id = "b1";
  c.redirect_uri = "https://app.example/cb?x=1&y=\xc3\xa9";
  c.scope = "openid profile email";
  c.nonce = "n-0S6_WzA2Mj";
  c.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  c.auth_time = 990;
  c.amr = "pwd";
  c.created_at = created;
  c.expires_at = expires;
  return c;
}

}  // namespace

TEST_P(AuthorizationCodeStoreTest, TheFirstRedemptionFindsItUnusedAndLaterOnesSeeTheFirst) {
  const AuthorizationCode c = code("h1");
  ASSERT_TRUE(db().codes().add(c));
  auto first = db().codes().redeem("h1", 1010);
  ASSERT_TRUE(first);
  EXPECT_EQ(show(*first), show(c));  // as it was before: every field, unused
  EXPECT_FALSE(first->used_at);

  auto second = db().codes().redeem("h1", 1020);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->used_at, 1010);
  EXPECT_EQ(second->issued_session_id, "");  // the first has not recorded its session yet

  // The first records its session and learns of the replay that found none.
  auto recorded = db().codes().set_issued("h1", "o1");
  ASSERT_TRUE(recorded);
  EXPECT_TRUE(*recorded);
  auto third = db().codes().redeem("h1", 1030);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->used_at, 1010);  // the first use's time stays
  EXPECT_EQ(third->issued_session_id, "o1");
  AuthorizationCode want = c;
  want.used_at = 1010;
  want.issued_session_id = "o1";
  EXPECT_EQ(show(*third), show(want));
}

TEST_P(AuthorizationCodeStoreTest, RecordingTheSessionTellsWhetherAReplayCameFirst) {
  ASSERT_TRUE(db().codes().add(code("h1")));
  ASSERT_TRUE(db().codes().redeem("h1", 1010));
  EXPECT_EQ(db().codes().set_issued("h1", "o1").value(), false);
  ASSERT_TRUE(db().codes().redeem("h1", 1020));  // a replay after: it finds o1 to end
  EXPECT_EQ(db().codes().redeem("h1", 1030)->issued_session_id, "o1");
}

TEST_P(AuthorizationCodeStoreTest, EmptyOptionalFieldsRoundTrip) {
  AuthorizationCode c = code("h1");
  c.browser_session_id.clear();
  c.nonce.clear();
  c.code_challenge.clear();
  c.amr.clear();
  ASSERT_TRUE(db().codes().add(c));
  EXPECT_EQ(show(db().codes().redeem("h1", 1010).value()), show(c));
}

TEST_P(AuthorizationCodeStoreTest, ATakenDigestIsAConflict) {
  ASSERT_TRUE(db().codes().add(code("h1")));
  AuthorizationCode other = code("h1");
  other.client_id = "evil";
  EXPECT_EQ(db().codes().add(other).error(), StoreError::conflict);
  EXPECT_EQ(db().codes().redeem("h1", 1010)->client_id, "app");
}

TEST_P(AuthorizationCodeStoreTest, UnknownCodesAreNotFound) {
  EXPECT_EQ(db().codes().redeem("nope", 1010).error(), StoreError::not_found);
  EXPECT_EQ(db().codes().set_issued("nope", "o1").error(), StoreError::not_found);
}

// Expiry is the caller's check: an expired code still redeems (once).
TEST_P(AuthorizationCodeStoreTest, ExpiredCodesRedeemUntilPruned) {
  ASSERT_TRUE(db().codes().add(code("h1", 1000, 1060)));
  ASSERT_TRUE(db().codes().add(code("h2", 1000, 1100)));
  ASSERT_TRUE(db().codes().add(code("h3", 1000, 1200)));
  EXPECT_FALSE(db().codes().redeem("h1", 5000)->used_at);
  EXPECT_EQ(db().codes().prune(1060).value(), 0);  // expired BEFORE 1060: none
  EXPECT_EQ(db().codes().prune(1101).value(), 2);
  EXPECT_EQ(db().codes().redeem("h1", 5000).error(), StoreError::not_found);
  EXPECT_EQ(db().codes().redeem("h2", 5000).error(), StoreError::not_found);
  EXPECT_FALSE(db().codes().redeem("h3", 1150)->used_at);
  EXPECT_EQ(db().codes().prune(1101).value(), 0);
}

// A code stored as used already (say, copied) is not redeemed "first" again.
TEST_P(AuthorizationCodeStoreTest, ACodeAddedAsUsedIsNeverAFirstRedemption) {
  AuthorizationCode c = code("h1");
  c.used_at = 1005;
  ASSERT_TRUE(db().codes().add(c));
  EXPECT_EQ(db().codes().redeem("h1", 1010)->used_at, 1005);
}

// RFC 6749 4.1.2: a code is used once. Two redemptions racing, on one
// instance and through two (two processes sharing the database): exactly one
// finds it unused, every time.
TEST_P(AuthorizationCodeStoreTest, ConcurrentRedemptionsSeeExactlyOneFirst) {
  auto second = open_again();
  constexpr int kCodes = 30;
  for (int i = 0; i < kCodes; ++i) ASSERT_TRUE(db().codes().add(code(std::string("h").append(std::to_string(i)))));
  for (int i = 0; i < kCodes; ++i) {
    const std::string hash = std::string("h").append(std::to_string(i));
    std::atomic<int> first{0}, later{0}, failed{0};
    run_threads(2, 20s, [&](int t) {
      Store& s = (i % 2 == 0 && t == 1) ? *second : db();  // even codes: one through each instance
      auto r = s.codes().redeem(hash, 1010 + t);
      if (!r) ++failed;
      else if (r->used_at) ++later;
      else ++first;
    });
    ASSERT_EQ(failed.load(), 0) << hash;
    ASSERT_EQ(first.load(), 1) << hash;
    ASSERT_EQ(later.load(), 1) << hash;
  }
}

TEST_P(AuthorizationCodeStoreTest, ManyConcurrentRedemptionsSeeExactlyOneFirst) {
  ASSERT_TRUE(db().codes().add(code("h1")));
  std::atomic<int> first{0}, later{0}, failed{0};
  run_threads(16, 20s, [&](int t) {
    auto r = db().codes().redeem("h1", 1010 + t);
    if (!r) ++failed;
    else if (r->used_at) ++later;
    else ++first;
  });
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(first.load(), 1);
  EXPECT_EQ(later.load(), 15);
}

INSTANTIATE_FOR_EVERY_BACKEND(AuthorizationCodeStoreTest);

}  // namespace latchkey::store_test
