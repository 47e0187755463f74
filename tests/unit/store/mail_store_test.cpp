// MailStore and the email columns of UserStore: link tokens, the outbox,
// and the notices migration 13's triggers queue in the same transaction as
// the change. Every test runs on SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

namespace latchkey::store_test {
namespace {

class MailStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db().users().create(user("u1", "alice")));
    ASSERT_TRUE(db().users().create(user("u2", "bob")));
  }
  MailStore& m() { return db().mail(); }
  static EmailToken token(std::string hash, std::string user, std::string_view purpose, std::string address,
                          UnixSeconds expires_at = 5000) {
    return EmailToken{std::move(hash), std::move(user), std::string(purpose), std::move(address), 1000, expires_at,
                      std::nullopt};
  }
  static OutboxMail mail(std::string kind, std::string user, std::string to, std::string detail = "{}",
                         UnixSeconds at = 1000) {
    OutboxMail x;
    x.kind = std::move(kind);
    x.user_id = std::move(user);
    x.recipient = std::move(to);
    x.detail = std::move(detail);
    x.created_at = at;
    x.next_attempt_at = at;
    return x;
  }
  // The kinds queued so far, oldest first, with their recipients.
  std::vector<std::string> queued() {
    auto rows = m().list(100);
    EXPECT_TRUE(rows);
    std::vector<std::string> out;
    if (!rows) return out;
    for (auto it = rows->rbegin(); it != rows->rend(); ++it) out.push_back(it->kind + ":" + it->recipient);
    return out;
  }
  void verified(std::string_view user_id, std::string_view email) {
    ASSERT_TRUE(db().users().set_email(user_id, email, true));
  }
};

}  // namespace

TEST_P(MailStoreTest, EmailIsStoredWithTheUserAndFoundOnlyWhenVerified) {
  User u = user("u3", "carol");
  u.email = "carol@example.com";
  ASSERT_TRUE(db().users().create(u));
  auto found = db().users().find_by_id("u3");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->email, "carol@example.com");
  EXPECT_FALSE(found->email_verified);
  EXPECT_EQ(db().users().find_by_email("carol@example.com").error(), StoreError::not_found);
  ASSERT_TRUE(db().users().set_email("u3", "carol@example.com", true));
  EXPECT_EQ(db().users().find_by_email("carol@example.com")->id, "u3");
  EXPECT_TRUE(db().users().find_by_name("carol")->email_verified);
  // Unique among verified addresses only.
  EXPECT_TRUE(db().users().set_email("u1", "carol@example.com", false));
  EXPECT_EQ(db().users().set_email("u1", "carol@example.com", true).error(), StoreError::conflict);
  EXPECT_EQ(db().users().find_by_id("u1")->email, "carol@example.com");
  EXPECT_FALSE(db().users().find_by_id("u1")->email_verified);
  EXPECT_EQ(db().users().set_email("ghost", "x@example.com", false).error(), StoreError::not_found);
}

TEST_P(MailStoreTest, IssuingATokenVoidsTheOlderOfItsPurposeAndQueuesItsMessage) {
  ASSERT_TRUE(m().issue_token(token("h1", "u1", kResetPassword, "a@example.com"),
                              mail("reset_password", "u1", "a@example.com", R"({"link":"x"})")));
  ASSERT_TRUE(m().issue_token(token("v1", "u1", kVerifyEmail, "a@example.com"),
                              mail("verify_email", "u1", "a@example.com")));
  ASSERT_TRUE(m().issue_token(token("h2", "u1", kResetPassword, "a@example.com"),
                              mail("reset_password", "u1", "a@example.com")));
  EXPECT_EQ(m().find_token("h1", kResetPassword, 1001).error(), StoreError::not_found);
  EXPECT_TRUE(m().find_token("h2", kResetPassword, 1001));
  EXPECT_TRUE(m().find_token("v1", kVerifyEmail, 1001));  // another purpose stays
  EXPECT_EQ(queued(), (std::vector<std::string>{"reset_password:a@example.com", "verify_email:a@example.com",
                                                "reset_password:a@example.com"}));
  auto rows = m().list(10);
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->back().detail, R"({"link":"x"})");
  EXPECT_FALSE(rows->back().message_key.empty());
  EXPECT_NE(rows->front().message_key, rows->back().message_key);
  // No user: nothing written, the message neither.
  EXPECT_EQ(m().issue_token(token("h3", "ghost", kResetPassword, "g@example.com"),
                            mail("reset_password", "ghost", "g@example.com"))
                .error(),
            StoreError::not_found);
  EXPECT_EQ(m().list(10)->size(), 3u);
}

TEST_P(MailStoreTest, ATokenIsRedeemedOnceForItsPurposeBeforeItExpires) {
  ASSERT_TRUE(m().issue_token(token("h1", "u1", kResetPassword, "a@example.com", 2000),
                              mail("reset_password", "u1", "a@example.com")));
  EXPECT_EQ(m().redeem_token("h1", kVerifyEmail, 1500).error(), StoreError::not_found);
  EXPECT_EQ(m().redeem_token("h1", kResetPassword, 2000).error(), StoreError::not_found);  // expired
  auto t = m().redeem_token("h1", kResetPassword, 1500);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->user_id, "u1");
  EXPECT_EQ(t->address, "a@example.com");
  EXPECT_EQ(t->used_at, 1500);
  EXPECT_EQ(m().redeem_token("h1", kResetPassword, 1501).error(), StoreError::not_found);
  EXPECT_EQ(m().find_token("h1", kResetPassword, 1501).error(), StoreError::not_found);
  EXPECT_EQ(m().prune_tokens(2001), 1u);
}

TEST_P(MailStoreTest, VerifyingMakesTheAddressTheUsersUnlessAnotherHasIt) {
  ASSERT_TRUE(m().issue_token(token("v1", "u1", kVerifyEmail, "a@example.com"),
                              mail("verify_email", "u1", "a@example.com")));
  ASSERT_TRUE(m().issue_token(token("v2", "u2", kVerifyEmail, "a@example.com"),
                              mail("verify_email", "u2", "a@example.com")));
  auto u = m().verify_email("v1", 1100);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->email, "a@example.com");
  EXPECT_TRUE(u->email_verified);
  EXPECT_EQ(m().verify_email("v1", 1100).error(), StoreError::not_found);  // once
  EXPECT_EQ(m().verify_email("v2", 1100).error(), StoreError::conflict);
  EXPECT_TRUE(m().find_token("v2", kVerifyEmail, 1100));  // kept: nothing changed
  EXPECT_FALSE(db().users().find_by_id("u2")->email_verified);
}

TEST_P(MailStoreTest, TheOutboxTakesDueMessagesAndNotesEachAttempt) {
  for (const char* h : {"h1", "h2", "h3"})
    ASSERT_TRUE(m().issue_token(token(h, h[1] == '2' ? "u2" : "u1", h[1] == '3' ? kVerifyEmail : kResetPassword,
                                      "a@example.com"),
                                mail("reset_password", "u1", "a@example.com", R"({"link":"secret"})")));
  auto due = m().due(1000, 10);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 3u);
  EXPECT_EQ(m().due(999, 10)->size(), 0u);
  EXPECT_EQ(m().due(1000, 2)->size(), 2u);
  EXPECT_EQ(m().pending(), 3);
  const auto a = (*due)[0].id, b = (*due)[1].id, c = (*due)[2].id;
  EXPECT_LT(a, b);
  ASSERT_TRUE(m().sent(a, 1001));
  ASSERT_TRUE(m().failed(b, 1060, "connection refused"));
  ASSERT_TRUE(m().gave_up(c, 1002, "550 no such user"));
  EXPECT_EQ(m().due(1059, 10)->size(), 0u);
  ASSERT_EQ(m().due(1060, 10)->size(), 1u);
  EXPECT_EQ(m().pending(), 1);
  auto rows = m().list(10);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 3u);
  const OutboxMail& sent = (*rows)[2];
  EXPECT_EQ(sent.sent_at, 1001);
  EXPECT_EQ(sent.detail, "{}");  // the link is gone once sent
  EXPECT_EQ(sent.attempts, 1);
  EXPECT_EQ((*rows)[1].last_error, "connection refused");
  EXPECT_EQ((*rows)[1].detail, R"({"link":"secret"})");
  EXPECT_EQ((*rows)[0].gave_up_at, 1002);
  EXPECT_EQ(m().retry(a, 1100).error(), StoreError::not_found);  // sent: nothing to retry
  ASSERT_TRUE(m().retry(c, 1100));
  auto again = m().due(1100, 10);
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ(again->back().attempts, 0);
  EXPECT_EQ(m().sent(9999, 1).error(), StoreError::not_found);
  EXPECT_EQ(m().prune(1002), 1u);  // the one sent at 1001
  EXPECT_EQ(m().list(10)->size(), 2u);
}

TEST_P(MailStoreTest, APasswordChangeQueuesANoticeToAVerifiedAddressOnly) {
  ASSERT_TRUE(m().set_notices({"password_changed", "email_changed", "factor_added", "factor_removed", "new_device"}));
  ASSERT_TRUE(db().users().change_password("u1", "$new", 2000));  // no address yet
  verified("u1", "alice@example.com");
  ASSERT_TRUE(db().users().set_email("u2", "bob@example.com", false));
  ASSERT_TRUE(db().users().set_password_hash("u1", "$rehash"));  // the same password: no notice
  ASSERT_TRUE(db().users().change_password("u2", "$new", 2000));  // unverified: none
  ASSERT_TRUE(db().users().change_password("u1", "$newer", 2001));
  EXPECT_EQ(queued(), std::vector<std::string>{"password_changed:alice@example.com"});
  auto rows = m().list(1);
  EXPECT_EQ(rows->front().user_id, "u1");
  EXPECT_EQ(rows->front().created_at, 2001);
  EXPECT_NE(rows->front().detail.find("alice"), std::string::npos);
  EXPECT_EQ(db().users().find_by_id("u1")->password_hash, "$newer");
}

TEST_P(MailStoreTest, NoticesOfADisabledKindAreNotQueued) {
  verified("u1", "alice@example.com");
  ASSERT_TRUE(db().users().change_password("u1", "$new", 2000));  // no kinds set yet
  ASSERT_TRUE(m().set_notices({"email_changed"}));
  ASSERT_TRUE(db().users().change_password("u1", "$newer", 2001));
  EXPECT_TRUE(queued().empty());
  ASSERT_TRUE(db().users().set_email("u1", "alice@new.example", true));
  EXPECT_EQ(queued(), std::vector<std::string>{"email_changed:alice@example.com"});  // to the OLD address
  ASSERT_TRUE(m().set_notices({}));
  ASSERT_TRUE(db().users().set_email("u1", "alice@third.example", true));
  EXPECT_EQ(queued().size(), 1u);
}

TEST_P(MailStoreTest, SecondFactorsAddedAndRemovedAreNoticed) {
  ASSERT_TRUE(m().set_notices({"factor_added", "factor_removed"}));
  verified("u1", "alice@example.com");
  ASSERT_TRUE(db().factors().put_pending_totp(TotpFactor{"u1", "sealed", 1000, std::nullopt, 0}));
  EXPECT_TRUE(queued().empty());  // pending is not added yet
  ASSERT_EQ(db().factors().confirm_totp("u1", 5, 1001), true);
  Passkey p;
  p.credential_id = "k1";
  p.user_id = "u1";
  p.name = "Laptop";
  p.alg = -7;
  p.public_key = "spki";
  p.created_at = 1002;
  ASSERT_TRUE(db().factors().add_passkey(p));
  ASSERT_TRUE(db().factors().remove_passkey("u1", "k1"));
  ASSERT_TRUE(db().factors().remove_totp("u1"));
  EXPECT_EQ(queued(), (std::vector<std::string>{"factor_added:alice@example.com", "factor_added:alice@example.com",
                                                "factor_removed:alice@example.com",
                                                "factor_removed:alice@example.com"}));
  auto rows = m().list(10);
  EXPECT_NE(rows->back().detail.find("totp"), std::string::npos);
  EXPECT_NE((*rows)[2].detail.find("passkey"), std::string::npos);
  for (const auto& row : *rows) EXPECT_NE(row.detail.find("alice"), std::string::npos) << row.detail;
}

TEST_P(MailStoreTest, ASignInFromANewDeviceIsNoticedButNotTheFirstNorAKnownOne) {
  ASSERT_TRUE(m().set_notices({"new_device"}));
  verified("u1", "alice@example.com");
  Session first = session("s1", "u1", 1000, 9000);
  first.user_agent = "Firefox";
  ASSERT_TRUE(db().sessions().create(first));  // the first device: nothing to compare with
  Session again = session("s2", "u1", 1001, 9000);
  again.user_agent = "Firefox";
  ASSERT_TRUE(db().sessions().create(again));
  EXPECT_TRUE(queued().empty());
  Session phone = session("s3", "u1", 1002, 9000);
  phone.user_agent = "Safari on iOS";
  phone.ip = "203.0.113.9";
  ASSERT_TRUE(db().sessions().create(phone));
  ASSERT_EQ(queued(), std::vector<std::string>{"new_device:alice@example.com"});
  const std::string detail = m().list(1)->front().detail;
  EXPECT_NE(detail.find("Safari on iOS"), std::string::npos);
  EXPECT_NE(detail.find("203.0.113.9"), std::string::npos);
  EXPECT_NE(detail.find("alice"), std::string::npos);
  Session oauth = oauth_session("s4", "u1", 1003, 9000, "app", "");
  oauth.user_agent = "Some client";
  ASSERT_TRUE(db().sessions().create(oauth));  // an app's tokens are not a sign-in
  EXPECT_EQ(queued().size(), 1u);
}

INSTANTIATE_FOR_EVERY_BACKEND(MailStoreTest);

}  // namespace latchkey::store_test
