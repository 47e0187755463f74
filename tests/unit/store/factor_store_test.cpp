// FactorStore and MfaChallengeStore: second factors and sign-in challenges.
// Every test runs on SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

namespace latchkey::store_test {
namespace {

class FactorStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db().users().create(user("u1", "alice")));
    ASSERT_TRUE(db().users().create(user("u2", "bob")));
  }
  FactorStore& f() { return db().factors(); }
  MfaChallengeStore& ch() { return db().mfa_challenges(); }
  static TotpFactor pending(std::string user, std::string sealed, UnixSeconds at) {
    return TotpFactor{std::move(user), std::move(sealed), at, std::nullopt, 0};
  }
  static MfaChallenge challenge(std::string hash, std::string user, UnixSeconds expires_at) {
    MfaChallenge c;
    c.token_hash = std::move(hash);
    c.user_id = std::move(user);
    c.binding = "b";
    c.amr = "pwd";
    c.auth_time = 100;
    c.created_at = 100;
    c.expires_at = expires_at;
    return c;
  }
};

}  // namespace

TEST_P(FactorStoreTest, PendingAuthenticatorIsFoundUnconfirmed) {
  ASSERT_TRUE(f().put_pending_totp(pending("u1", "v1.sealed", 1000)));
  auto t = f().find_totp("u1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->sealed_secret, "v1.sealed");
  EXPECT_EQ(t->created_at, 1000);
  EXPECT_FALSE(t->confirmed_at);
  EXPECT_EQ(t->last_step, 0);
  EXPECT_EQ(f().find_totp("u2").error(), StoreError::not_found);
}

TEST_P(FactorStoreTest, PendingReplacesPendingButNeverConfirmed) {
  ASSERT_TRUE(f().put_pending_totp(pending("u1", "first", 1000)));
  ASSERT_TRUE(f().put_pending_totp(pending("u1", "second", 1001)));
  EXPECT_EQ(f().find_totp("u1")->sealed_secret, "second");
  ASSERT_EQ(f().confirm_totp("u1", 50, 1002), true);
  EXPECT_EQ(f().put_pending_totp(pending("u1", "third", 1003)).error(), StoreError::conflict);
  EXPECT_EQ(f().find_totp("u1")->sealed_secret, "second");
  EXPECT_EQ(f().put_pending_totp(pending("ghost", "x", 1)).error(), StoreError::not_found);
}

TEST_P(FactorStoreTest, ConfirmTakesALaterStepOnce) {
  EXPECT_EQ(f().confirm_totp("u1", 50, 1000).error(), StoreError::not_found);
  ASSERT_TRUE(f().put_pending_totp(pending("u1", "s", 1000)));
  EXPECT_EQ(f().use_totp_step("u1", 50), false);  // unconfirmed: no sign-in with it
  EXPECT_EQ(f().confirm_totp("u1", 50, 1001), true);
  EXPECT_EQ(f().confirm_totp("u1", 51, 1002), false);  // already confirmed
  auto t = f().find_totp("u1");
  EXPECT_EQ(t->confirmed_at, 1001);
  EXPECT_EQ(t->last_step, 50);
}

TEST_P(FactorStoreTest, AStepIsAcceptedOnlyWhenLaterThanTheLast) {
  ASSERT_TRUE(f().put_pending_totp(pending("u1", "s", 1000)));
  ASSERT_EQ(f().confirm_totp("u1", 50, 1001), true);
  EXPECT_EQ(f().use_totp_step("u1", 50), false);  // the enrolment code, again
  EXPECT_EQ(f().use_totp_step("u1", 49), false);
  EXPECT_EQ(f().use_totp_step("u1", 51), true);
  EXPECT_EQ(f().use_totp_step("u1", 51), false);
  EXPECT_EQ(f().find_totp("u1")->last_step, 51);
  EXPECT_EQ(f().use_totp_step("u2", 99), false);
}

TEST_P(FactorStoreTest, RemovedAuthenticatorIsGone) {
  EXPECT_EQ(f().remove_totp("u1").error(), StoreError::not_found);
  ASSERT_TRUE(f().put_pending_totp(pending("u1", "s", 1000)));
  ASSERT_TRUE(f().remove_totp("u1"));
  EXPECT_EQ(f().find_totp("u1").error(), StoreError::not_found);
}

TEST_P(FactorStoreTest, RecoveryCodesAreSpentOnceAndReplacedTogether) {
  ASSERT_TRUE(f().replace_recovery_codes("u1", {"d1", "d2", "d3"}, 1000));
  EXPECT_EQ(f().unused_recovery_codes("u1"), 3);
  EXPECT_EQ(f().use_recovery_code("u1", "d2", 1001), true);
  EXPECT_EQ(f().use_recovery_code("u1", "d2", 1002), false);
  EXPECT_EQ(f().use_recovery_code("u2", "d1", 1002), false);  // another user's
  EXPECT_EQ(f().unused_recovery_codes("u1"), 2);
  ASSERT_TRUE(f().replace_recovery_codes("u1", {"e1", "e2"}, 1003));
  EXPECT_EQ(f().use_recovery_code("u1", "d1", 1004), false);  // the old set is void
  EXPECT_EQ(f().unused_recovery_codes("u1"), 2);
  EXPECT_EQ(f().unused_recovery_codes("u2"), 0);
  EXPECT_EQ(f().replace_recovery_codes("ghost", {"x"}, 1).error(), StoreError::not_found);
  EXPECT_EQ(f().unused_recovery_codes("ghost"), 0);
}

TEST_P(FactorStoreTest, RemoveAllCountsWhatWentAndTouchesNoOtherUser) {
  ASSERT_TRUE(f().put_pending_totp(pending("u1", "s", 1000)));
  ASSERT_TRUE(f().replace_recovery_codes("u1", {"d1"}, 1000));
  ASSERT_TRUE(f().replace_recovery_codes("u2", {"d9"}, 1000));
  EXPECT_EQ(f().remove_all("u1"), 2);
  EXPECT_EQ(f().remove_all("u1"), 0);
  EXPECT_EQ(f().find_totp("u1").error(), StoreError::not_found);
  EXPECT_EQ(f().unused_recovery_codes("u2"), 1);
}

TEST_P(FactorStoreTest, FactorsGoWithTheirUser) {
  ASSERT_TRUE(f().put_pending_totp(pending("u1", "s", 1000)));
  ASSERT_TRUE(f().replace_recovery_codes("u1", {"d1"}, 1000));
  ASSERT_TRUE(ch().create(challenge("c1", "u1", 2000)));
  ASSERT_TRUE(db().admin().delete_user("u1", 1500, 1500));
  EXPECT_EQ(f().find_totp("u1").error(), StoreError::not_found);
  EXPECT_EQ(f().unused_recovery_codes("u1"), 0);
  EXPECT_EQ(ch().find("c1").error(), StoreError::not_found);
}

TEST_P(FactorStoreTest, ChallengeIsFoundAsStored) {
  ASSERT_TRUE(ch().create(challenge("c1", "u1", 2000)));
  auto c = ch().find("c1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user_id, "u1");
  EXPECT_EQ(c->binding, "b");
  EXPECT_EQ(c->amr, "pwd");
  EXPECT_EQ(c->auth_time, 100);
  EXPECT_EQ(c->expires_at, 2000);
  EXPECT_EQ(c->failures, 0);
  EXPECT_FALSE(c->used_at);
  EXPECT_EQ(ch().create(challenge("c1", "u1", 2000)).error(), StoreError::conflict);
  EXPECT_EQ(ch().create(challenge("c2", "ghost", 2000)).error(), StoreError::not_found);
  EXPECT_EQ(ch().find("nope").error(), StoreError::not_found);
}

TEST_P(FactorStoreTest, ChallengeIsConsumedOnceBeforeItExpires) {
  ASSERT_TRUE(ch().create(challenge("c1", "u1", 2000)));
  ASSERT_TRUE(ch().create(challenge("c2", "u1", 2000)));
  EXPECT_EQ(ch().consume("c1", 2000, 5), false);  // expired at 2000
  EXPECT_EQ(ch().consume("c2", 1999, 5), true);
  EXPECT_EQ(ch().consume("c2", 1999, 5), false);
  EXPECT_EQ(ch().find("c2")->used_at, 1999);
  EXPECT_EQ(ch().count_failure("c2").error(), StoreError::not_found);  // used: nothing more counts
  EXPECT_EQ(ch().consume("nope", 1000, 5), false);
}

TEST_P(FactorStoreTest, ChallengeWithTooManyFailuresIsNotConsumed) {
  ASSERT_TRUE(ch().create(challenge("c1", "u1", 2000)));
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(ch().count_failure("c1"), i);
  EXPECT_EQ(ch().consume("c1", 1000, 5), false);
  EXPECT_EQ(ch().count_failure("nope").error(), StoreError::not_found);
}

TEST_P(FactorStoreTest, PruneDropsExpiredChallenges) {
  ASSERT_TRUE(ch().create(challenge("old", "u1", 1000)));
  ASSERT_TRUE(ch().create(challenge("new", "u1", 3000)));
  EXPECT_EQ(ch().prune(2000), 1u);
  EXPECT_EQ(ch().find("old").error(), StoreError::not_found);
  EXPECT_TRUE(ch().find("new"));
}

INSTANTIATE_FOR_EVERY_BACKEND(FactorStoreTest);

}  // namespace latchkey::store_test
