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

namespace {
Passkey passkey(std::string id, std::string user, UnixSeconds at, std::int64_t count = 0) {
  Passkey p;
  p.credential_id = std::move(id);
  p.user_id = std::move(user);
  p.name = "Laptop";
  p.alg = -7;
  p.public_key = "spki";
  p.sign_count = count;
  p.aaguid = "AAAA";
  p.backup_eligible = true;
  p.created_at = at;
  return p;
}
}  // namespace

TEST_P(FactorStoreTest, PasskeysAreStoredListedRenamedAndRemoved) {
  ASSERT_TRUE(f().add_passkey(passkey("k2", "u1", 2000)));
  ASSERT_TRUE(f().add_passkey(passkey("k1", "u1", 1000)));
  ASSERT_TRUE(f().add_passkey(passkey("k3", "u2", 1500)));
  EXPECT_EQ(f().add_passkey(passkey("k1", "u2", 3000)).error(), StoreError::conflict);
  EXPECT_EQ(f().add_passkey(passkey("k9", "ghost", 3000)).error(), StoreError::not_found);
  auto k = f().find_passkey("k1");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->user_id, "u1");
  EXPECT_EQ(k->name, "Laptop");
  EXPECT_EQ(k->alg, -7);
  EXPECT_EQ(k->public_key, "spki");
  EXPECT_TRUE(k->backup_eligible);
  EXPECT_FALSE(k->last_used_at);
  auto list = f().list_passkeys("u1").value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].credential_id, "k1");
  EXPECT_EQ(f().count_passkeys("u1"), 2);
  EXPECT_EQ(f().summary("u1")->passkeys, 2);
  ASSERT_TRUE(f().rename_passkey("u1", "k1", "Phone"));
  EXPECT_EQ(f().find_passkey("k1")->name, "Phone");
  EXPECT_EQ(f().rename_passkey("u2", "k1", "x").error(), StoreError::not_found);  // another user's
  EXPECT_EQ(f().remove_passkey("u2", "k1").error(), StoreError::not_found);
  ASSERT_TRUE(f().remove_passkey("u1", "k1"));
  EXPECT_EQ(f().find_passkey("k1").error(), StoreError::not_found);
  EXPECT_EQ(f().remove_all("u1"), 1);
  EXPECT_EQ(f().count_passkeys("u1"), 0);
  EXPECT_EQ(f().count_passkeys("u2"), 1);
}

TEST_P(FactorStoreTest, APasskeysCounterOnlyGrows) {
  ASSERT_TRUE(f().add_passkey(passkey("zero", "u1", 1000, 0)));
  ASSERT_TRUE(f().add_passkey(passkey("five", "u1", 1000, 5)));
  EXPECT_EQ(f().use_passkey("zero", 0, 1100), true);  // no counter at all (Apple)
  EXPECT_EQ(f().find_passkey("zero")->last_used_at, 1100);
  EXPECT_EQ(f().use_passkey("five", 5, 1100), false);
  EXPECT_EQ(f().use_passkey("five", 4, 1100), false);
  EXPECT_EQ(f().use_passkey("five", 0, 1100), false);
  EXPECT_EQ(f().use_passkey("five", 6, 1200), true);
  EXPECT_EQ(f().find_passkey("five")->sign_count, 6);
  EXPECT_EQ(f().use_passkey("gone", 9, 1200), false);
}

TEST_P(FactorStoreTest, AWebauthnChallengeIsTakenOnceForItsPurpose) {
  WebauthnChallengeStore& w = db().webauthn_challenges();
  ASSERT_TRUE(w.create(WebauthnChallenge{"h1", "register", "u1", "b", 2000}));
  ASSERT_TRUE(w.create(WebauthnChallenge{"h2", "login", "", "", 2000}));
  EXPECT_EQ(w.create(WebauthnChallenge{"h1", "login", "", "", 2000}).error(), StoreError::conflict);
  EXPECT_EQ(w.take("h1", "login", 1000).error(), StoreError::not_found);  // another purpose
  auto c = w.take("h1", "register", 1000);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user_id, "u1");
  EXPECT_EQ(c->binding, "b");
  EXPECT_EQ(w.take("h1", "register", 1000).error(), StoreError::not_found);  // once
  EXPECT_EQ(w.take("h2", "login", 2000).error(), StoreError::not_found);     // expired
  EXPECT_EQ(w.prune(2001), 2u);
}

INSTANTIATE_FOR_EVERY_BACKEND(FactorStoreTest);

}  // namespace latchkey::store_test
