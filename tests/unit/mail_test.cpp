// The mail room: addresses as accepted and stored, messages as composed
// (headers, RFC 2047 words, no header from a value), the renderer's
// templates, and the outbox sender on the fake store with a stand-in relay
// (sent, retried with a doubling wait, given up, the link emptied once sent).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_store.hpp"
#include "mail/address.hpp"
#include <boost/json/serialize.hpp>

#include "mail/kinds.hpp"
#include "mail/link_seal.hpp"
#include "mail/message.hpp"
#include "mail/outbox_sender.hpp"
#include "mail/renderer.hpp"
#include "util/backoff.hpp"

namespace latchkey::mail {
namespace {

TEST(MailAddress, IsStoredWithTheDomainLowerCasedAndTheLocalPartKept) {
  EXPECT_EQ(normalise_address("  Dave.Smith+tag@Example.COM "), "Dave.Smith+tag@example.com");
  EXPECT_EQ(normalise_address("o'brien@mail.example.co.uk"), "o'brien@mail.example.co.uk");
  EXPECT_EQ(domain_of("a@example.com"), "example.com");
  EXPECT_EQ(masked("alice@example.com"), "a***@example.com");
}

TEST(MailAddress, RefusesWhatIsNotACommonMailbox) {
  for (std::string bad : {"", "plain", "@example.com", "a@", "a@@example.com", "a@b@example.com", "a b@example.com",
                          "a@example", "a@-example.com", "a@example-.com", ".a@example.com", "a.@example.com",
                          "a..b@example.com", "\"quoted\"@example.com", "a@[192.0.2.1]", "a@192.0.2.1",
                          "Name <a@example.com>", "a@example.com\r\nBcc: b@example.com", "a\n@example.com",
                          "a@exa mple.com", "jos\xc3\xa9@example.com", "a@ex\xc3\xa4mple.com", "a,b@example.com"}) {
    EXPECT_FALSE(normalise_address(bad)) << bad;
  }
  EXPECT_FALSE(normalise_address(std::string(65, 'a') + "@example.com"));  // local part over 64
  EXPECT_TRUE(normalise_address(std::string(64, 'a') + "@example.com"));
  std::string long_domain;
  while (long_domain.size() < 250) long_domain += "abcdefghi.";
  EXPECT_FALSE(normalise_address("a@" + long_domain + "com"));  // over 254 in all
}

TEST(MailMessage, MailboxesAreParsedAndRefusedLikeAddresses) {
  auto m = parse_mailbox("Latchkey <No-Reply@Example.com>");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->display_name, "Latchkey");
  EXPECT_EQ(m->address, "No-Reply@example.com");
  EXPECT_EQ(parse_mailbox("no-reply@example.com")->display_name, "");
  EXPECT_EQ(parse_mailbox("\"Acme, Inc.\" <a@example.com>")->display_name, "Acme, Inc.");
  EXPECT_FALSE(parse_mailbox("Name <a@example.com"));
  EXPECT_FALSE(parse_mailbox("Na\r\nme <a@example.com>"));
  EXPECT_FALSE(parse_mailbox("Name <not an address>"));
}

TEST(MailMessage, EncodedWordsAreUsedOnlyForWhatIsNotPlainAscii) {
  EXPECT_EQ(encoded_words("Reset your password"), "Reset your password");
  const std::string word = encoded_words("Réinitialisez votre mot de passe");
  EXPECT_TRUE(word.starts_with("=?UTF-8?B?")) << word;
  EXPECT_TRUE(word.ends_with("?=")) << word;
  // Long text: several words, none over 75 characters, folded.
  const std::string many = encoded_words(std::string(200, '\xc3') + "");
  for (std::size_t start = 0; start < many.size();) {
    const std::size_t end = std::min(many.find("\r\n ", start), many.size());
    EXPECT_LE(end - start, 75u);
    start = end + 3;
  }
  // A value with a line break never starts a header of its own.
  EXPECT_EQ(encoded_words("a\r\nBcc: x@example.com"), "a  Bcc: x@example.com");
}

TEST(MailMessage, DatesAreRfc5322InUtc) {
  EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(1796500200), "Sat, 05 Dec 2026 19:50:00 +0000");
}

Message sample() {
  Message m;
  m.from = *parse_mailbox("Latchkey <no-reply@example.com>");
  m.to = "alice@example.com";
  m.subject = "Über dein Konto";
  m.text = "Hello\r\n.\r\nBye\r\n";
  m.html = "<p>Hello</p>";
  m.message_id = "<abc123@example.com>";
  m.kind = "new_device";
  m.date = 1796500200;
  return m;
}

TEST(MailMessage, ComposesHeadersThenTwoBase64Parts) {
  const std::string text = compose(sample());
  const std::string head = text.substr(0, text.find("\r\n\r\n"));
  for (std::string_view h : {"Date: Sat, 05 Dec 2026 19:50:00 +0000\r\n", "From: Latchkey <no-reply@example.com>\r\n",
                             "To: alice@example.com\r\n", "Message-ID: <abc123@example.com>\r\n",
                             "MIME-Version: 1.0\r\n", "Auto-Submitted: auto-generated\r\n",
                             "X-Latchkey-Kind: new_device\r\n", "Subject: =?UTF-8?B?"}) {
    EXPECT_NE(text.find(h), std::string::npos) << h;
  }
  EXPECT_NE(head.find("multipart/alternative; boundary=\"=_latchkey_"), std::string::npos);
  EXPECT_NE(text.find("Content-Type: text/plain; charset=UTF-8"), std::string::npos);
  EXPECT_NE(text.find("Content-Type: text/html; charset=UTF-8"), std::string::npos);
  // Base64 bodies: no line of the message starts a "." (SMTP's end of data)
  // nor runs past 78 characters; every line ends CRLF.
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 998u);
    if (start > head.size()) {
      EXPECT_FALSE(text.compare(start, 1, ".") == 0);
      EXPECT_LE(end - start, 78u);
    }
    EXPECT_EQ(text.substr(start, end - start).find('\n'), std::string::npos);
    start = end + 2;
  }
  EXPECT_TRUE(text.ends_with("--\r\n"));
}

TEST(MailMessage, NoHeaderComesFromAValue) {
  Message m = sample();
  m.to = "alice@example.com\r\nBcc: eve@example.com";
  m.kind = "x\nBcc: eve@example.com";
  m.subject = "hi\r\nBcc: eve@example.com";
  const std::string text = compose(m);
  EXPECT_EQ(text.find("\r\nBcc:"), std::string::npos);
  EXPECT_EQ(text.find("\nBcc:"), std::string::npos);
}

// The renderer with the built-in templates.
class MailRendererTest : public ::testing::Test {
 protected:
  web::Templates templates_ = web::Templates::load(std::nullopt).value();
  Renderer renderer_{templates_, Sender{*parse_mailbox("Latchkey <no-reply@example.com>"), "https://id.example.com",
                                        "id.example.com", std::nullopt}};
  static store::OutboxMail row(std::string kind, std::string detail) {
    store::OutboxMail m;
    m.id = 7;
    m.message_key = "k7";
    m.kind = std::move(kind);
    m.recipient = "alice@example.com";
    m.detail = std::move(detail);
    m.created_at = 1796500200;
    return m;
  }
};

TEST_F(MailRendererTest, EveryKindRendersASubjectTextAndHtml) {
  for (std::string_view kind : kKinds) {
    auto m = renderer_.render(row(std::string(kind), R"({"username":"alice","link":"https://id.example.com/x?token=T",
        "user_agent":"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0","ip":"203.0.113.9","factor":"totp",
        "new_email":"new@example.com"})"));
    ASSERT_TRUE(m) << kind << ": " << m.error();
    EXPECT_FALSE(m->subject.empty()) << kind;
    EXPECT_NE(m->text.find("alice"), std::string::npos) << kind;
    EXPECT_NE(m->html.find("<html lang=\"en\">"), std::string::npos) << kind;
    EXPECT_EQ(m->message_id, "<k7@example.com>");
    EXPECT_EQ(m->date, 1796500200);
    EXPECT_EQ(m->kind, kind);
    EXPECT_EQ(m->text.find("\n\n"), std::string::npos) << "CRLF lines only: " << kind;
  }
}

TEST_F(MailRendererTest, ValuesAreEscapedInHtmlAndKeptInText) {
  auto m = renderer_.render(row("verify_email", R"({"username":"<b>&al","link":"https://id.example.com/v?token=a&b=1"})"));
  ASSERT_TRUE(m);
  EXPECT_NE(m->html.find("&lt;b&gt;&amp;al"), std::string::npos);
  EXPECT_EQ(m->html.find("<b>&al"), std::string::npos);
  EXPECT_NE(m->text.find("<b>&al"), std::string::npos);
  EXPECT_NE(m->text.find("https://id.example.com/v?token=a&b=1"), std::string::npos);
  EXPECT_NE(m->html.find("href=\"https://id.example.com/v?token=a&amp;b=1\""), std::string::npos);
  EXPECT_NE(renderer_.render(row("new_device", R"j({"user_agent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"})j"))
                ->text.find("iOS"),
            std::string::npos);
}

TEST_F(MailRendererTest, ASealedLinkOpensOnlyWithItsKeyForItsRecipient) {
  const auto key = crypto::SealingKey::parse(std::string(64, 'a'));
  ASSERT_TRUE(key);
  boost::json::object detail{{"username", "alice"}};
  put_link(detail, "https://id.example.com/reset-password?token=SECRET", "alice@example.com", key);
  const std::string stored = boost::json::serialize(detail);
  EXPECT_EQ(stored.find("SECRET"), std::string::npos);
  Renderer with_key{templates_, Sender{*parse_mailbox("a@example.com"), "https://id.example.com", "id.example.com", key}};
  auto m = with_key.render(row("reset_password", stored));
  ASSERT_TRUE(m) << m.error();
  EXPECT_NE(m->text.find("token=SECRET"), std::string::npos);
  EXPECT_FALSE(renderer_.render(row("reset_password", stored)));  // no key
  auto elsewhere = row("reset_password", stored);
  elsewhere.recipient = "eve@example.com";
  EXPECT_FALSE(with_key.render(elsewhere));  // copied to another row
}

TEST_F(MailRendererTest, AnUnknownKindOrABrokenDetailIsAnError) {
  EXPECT_FALSE(renderer_.render(row("nope", "{}")));
  EXPECT_FALSE(renderer_.render(row("verify_email", "not json")));
  EXPECT_FALSE(renderer_.render(row("verify_email", "[1]")));
}

// The sender on the fake store, with a relay that answers as told.
class OutboxSenderTest : public MailRendererTest {
 protected:
  void SetUp() override {
    store::User u{"u1", "alice", "$hash", 100, "alice"};
    ASSERT_TRUE(store_.users().create(u));
  }
  void queue(std::string hash) {
    store::EmailToken t{std::move(hash), "u1", std::string(store::kResetPassword), "alice@example.com", now_,
                        now_ + 1800, std::nullopt};
    store::OutboxMail m = row("reset_password", R"({"username":"alice","link":"https://id.example.com/r?token=T"})");
    m.user_id = "u1";
    m.created_at = now_;
    m.next_attempt_at = now_;
    ASSERT_TRUE(store_.mail().issue_token(t, m));
  }
  OutboxSender sender(std::int64_t max_attempts = 3) {
    SenderOptions o;
    o.max_attempts = max_attempts;
    o.backoff_base = 10;
    return OutboxSender(store_.mail(), renderer_, [this] { return now_; }, o,
                        [this](const net::SmtpOptions&, std::string_view from, std::string_view to,
                               std::string_view message) -> tl::expected<void, std::string> {
                          sent_.push_back({std::string(from), std::string(to), std::string(message)});
                          if (!relay_up_) return tl::unexpected(std::string("Couldn't connect to server"));
                          return {};
                        });
  }
  struct Sent {
    std::string from, to, message;
  };
  testing::FakeStore store_;
  UnixSeconds now_ = 1796500200;
  bool relay_up_ = true;
  std::vector<Sent> sent_;
};

TEST_F(OutboxSenderTest, SendsWhatIsDueAndEmptiesItsLink) {
  queue("h1");
  queue("h2");  // voids h1's token, not its message
  OutboxSender s = sender();
  const auto stats = s.run_once();
  EXPECT_EQ(stats.taken, 2u);
  EXPECT_EQ(stats.sent, 2u);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[0].from, "no-reply@example.com");
  EXPECT_EQ(sent_[0].to, "alice@example.com");
  EXPECT_NE(sent_[0].message.find("X-Latchkey-Kind: reset_password"), std::string::npos);
  const auto rows = store_.mail().list(10);
  ASSERT_TRUE(rows);
  for (const auto& m : *rows) {
    EXPECT_TRUE(m.sent_at);
    EXPECT_EQ(m.detail, "{}");
  }
  EXPECT_EQ(s.run_once().taken, 0u);
  EXPECT_EQ(s.counters().sent, 2u);
  EXPECT_EQ(s.counters().pending, 0);
}

TEST_F(OutboxSenderTest, RetriesWithADoublingWaitThenGivesUpKeepingTheSameMessageId) {
  queue("h1");
  relay_up_ = false;
  OutboxSender s = sender(3);
  EXPECT_EQ(s.run_once().failed, 1u);  // attempt 1: again in 10 s
  EXPECT_EQ(s.run_once().taken, 0u);
  now_ += 10;
  EXPECT_EQ(s.run_once().failed, 1u);  // attempt 2: again in 20 s
  now_ += 19;
  EXPECT_EQ(s.run_once().taken, 0u);
  now_ += 1;
  EXPECT_EQ(s.run_once().gave_up, 1u);  // attempt 3 of 3
  const auto rows = *store_.mail().list(10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].gave_up_at);
  EXPECT_EQ(rows[0].attempts, 3);
  EXPECT_EQ(rows[0].last_error, "Couldn't connect to server");
  EXPECT_EQ(s.counters().failed, 2u);
  EXPECT_EQ(s.counters().gave_up, 1u);
  ASSERT_EQ(sent_.size(), 3u);
  const auto id_of = [](const std::string& m) { return m.substr(m.find("Message-ID: "), 40); };
  EXPECT_EQ(id_of(sent_[0].message), id_of(sent_[2].message));
  // An administrator's retry, once the relay is back.
  relay_up_ = true;
  ASSERT_TRUE(store_.mail().retry(rows[0].id, now_));
  EXPECT_EQ(s.run_once().sent, 1u);
}

TEST_F(OutboxSenderTest, AStoreFailureStopsTheRunAndLosesNothing) {
  queue("h1");
  OutboxSender s = sender();
  store_.fail_next(store::StoreError::unavailable);
  EXPECT_TRUE(s.run_once().store_error);
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(s.run_once().sent, 1u);
  EXPECT_EQ(s.counters().store_errors, 1u);
}

TEST_F(OutboxSenderTest, ARowThatCannotBeRenderedIsGivenUpAtOnce) {
  store::EmailToken t{"h9", "u1", std::string(store::kVerifyEmail), "alice@example.com", now_, now_ + 60, std::nullopt};
  store::OutboxMail m = row("no_such_kind", "{}");
  m.next_attempt_at = now_;
  ASSERT_TRUE(store_.mail().issue_token(t, m));
  OutboxSender s = sender(5);
  EXPECT_EQ(s.run_once().gave_up, 1u);
  EXPECT_TRUE(sent_.empty());
  EXPECT_NE(store_.mail().list(1)->front().last_error.find("unknown kind"), std::string::npos);
}

TEST(MailBackoff, DoublesFromTheBaseUpToTheCap) {
  EXPECT_EQ(backoff(1, 10, 3600), 10);
  EXPECT_EQ(backoff(2, 10, 3600), 20);
  EXPECT_EQ(backoff(4, 10, 3600), 80);
  EXPECT_EQ(backoff(30, 10, 3600), 3600);
  EXPECT_EQ(backoff(1000000, 10, 3600), 3600);
  EXPECT_EQ(backoff(1, 0, 0), 1);
}

}  // namespace
}  // namespace latchkey::mail
