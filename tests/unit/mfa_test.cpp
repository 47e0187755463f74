// mfa/: TOTP against RFC 6238's vectors, base32 against RFC 4648's, the
// AES-256-GCM sealing of secrets, recovery codes, the QR code, and the
// sign-in's second step on a real store (enrolment, a code taken once, five
// wrong codes, binding, expiry).
#include <gtest/gtest.h>

#include <set>

#include "auth/key_bootstrap.hpp"
#include "auth/service.hpp"
#include "crypto/aead.hpp"
#include "crypto/random.hpp"
#include "mfa/base32.hpp"
#include "mfa/qr_svg.hpp"
#include "mfa/recovery_codes.hpp"
#include "mfa/second_factors.hpp"
#include "mfa/totp.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace latchkey::mfa {
namespace {

// RFC 6238 Appendix B, SHA-1 (the 8-digit values' last 6 digits).
TEST(Totp, MatchesTheRfc6238Vectors) {
  const std::string secret = "12345678901234567890";
  const std::pair<UnixSeconds, const char*> vectors[] = {
      {59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
      {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}};
  for (const auto& [t, code] : vectors) EXPECT_EQ(totp_code(secret, totp_step(t)), code) << t;
}

TEST(Totp, AcceptsOneStepOfDriftEachWayAndSaysWhich) {
  const std::string secret = "12345678901234567890";
  const UnixSeconds now = 1111111111;
  const std::int64_t step = totp_step(now);
  EXPECT_EQ(matching_step(secret, totp_code(secret, step), now), step);
  EXPECT_EQ(matching_step(secret, totp_code(secret, step - 1), now), step - 1);
  EXPECT_EQ(matching_step(secret, totp_code(secret, step + 1), now), step + 1);
  EXPECT_FALSE(matching_step(secret, totp_code(secret, step - 2), now));
  EXPECT_FALSE(matching_step(secret, totp_code(secret, step + 2), now));
}

TEST(Totp, MalformedCodesMatchNothing) {
  const std::string secret = "12345678901234567890";
  const std::string good = totp_code(secret, totp_step(59));
  for (std::string_view bad : {"", "28708", "2870822", "28708a", " 287082", "287082\n", "xxxxxx", "+28708"})
    EXPECT_FALSE(matching_step(secret, bad, 59)) << bad;
  EXPECT_TRUE(matching_step(secret, good, 59));
}

TEST(Totp, UriIsTheKeyUriFormat) {
  EXPECT_EQ(otpauth_uri("12345678901234567890", "auth.example.com", "alice smith"),
            "otpauth://totp/auth.example.com:alice%20smith?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=auth.example.com&algorithm=SHA1&digits=6&period=30");
  // A ':' or '&' in a name cannot break the label or the query.
  EXPECT_EQ(otpauth_uri("x", "a:b&c", "u?d"), "otpauth://totp/a%3Ab%26c:u%3Fd?secret=PA&issuer=a%3Ab%26c"
                                              "&algorithm=SHA1&digits=6&period=30");
}

// RFC 4648 section 10.
TEST(Base32, MatchesTheRfc4648Vectors) {
  EXPECT_EQ(base32_encode(""), "");
  EXPECT_EQ(base32_encode("f"), "MY");
  EXPECT_EQ(base32_encode("fo"), "MZXQ");
  EXPECT_EQ(base32_encode("foo"), "MZXW6");
  EXPECT_EQ(base32_encode("foob"), "MZXW6YQ");
  EXPECT_EQ(base32_encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(base32_encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(grouped("abcdefghij", 4, ' '), "abcd efgh ij");
}

TEST(Sealing, OpensWhatItSealedOnlyWithTheSameKeyAndRow) {
  const auto key = crypto::SealingKey::from_bytes(std::string(32, 'k'));
  const auto other = crypto::SealingKey::from_bytes(std::string(32, 'o'));
  const std::string sealed = key.seal("secret bytes", "row 1");
  EXPECT_TRUE(sealed.starts_with("v1."));
  EXPECT_EQ(key.open(sealed, "row 1"), "secret bytes");
  EXPECT_FALSE(key.open(sealed, "row 2"));     // copied to another row
  EXPECT_FALSE(other.open(sealed, "row 1"));   // another key
  EXPECT_NE(key.seal("secret bytes", "row 1"), sealed);  // a fresh nonce each time
  std::string tampered = sealed;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(key.open(tampered, "row 1"));
  for (std::string_view bad : {"", "v1.", "v1.AAAA", "v2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "garbage"})
    EXPECT_FALSE(key.open(bad, "row 1")) << bad;
}

TEST(Sealing, KeyParsesFromHexOrBase64urlOf32Bytes) {
  EXPECT_TRUE(crypto::SealingKey::parse(std::string(64, 'a')));
  EXPECT_TRUE(crypto::SealingKey::parse(std::string(43, 'A')));
  EXPECT_FALSE(crypto::SealingKey::parse(std::string(62, 'a')));
  EXPECT_FALSE(crypto::SealingKey::parse(std::string(64, 'g')));
  EXPECT_FALSE(crypto::SealingKey::parse("short"));
  EXPECT_FALSE(crypto::SealingKey::parse(""));
  const auto a = crypto::SealingKey::parse(std::string(64, 'a'));
  const auto b = crypto::SealingKey::parse(std::string(64, 'A'));  // hex is case-blind
  EXPECT_EQ(b->open(a->seal("x", "r"), "r"), "x");
}

TEST(RecoveryCodes, TenDistinctCodesOf120BitsAndTheirDigests) {
  crypto::init();
  const RecoveryCodes codes = new_recovery_codes();
  ASSERT_EQ(codes.shown.size(), kRecoveryCodeCount);
  ASSERT_EQ(codes.digests.size(), kRecoveryCodeCount);
  EXPECT_EQ(std::set<std::string>(codes.shown.begin(), codes.shown.end()).size(), kRecoveryCodeCount);
  for (std::size_t i = 0; i < codes.shown.size(); ++i) {
    EXPECT_EQ(codes.shown[i].size(), 24u + 5u) << codes.shown[i];  // six groups of four
    EXPECT_EQ(recovery_code_digest(codes.shown[i]), codes.digests[i]);
  }
}

TEST(RecoveryCodes, TypingDetailsDoNotMatterButLettersDo) {
  const std::string code = "abcd-efgh-ijkl-mnop-qrst-uvwx";
  const auto digest = recovery_code_digest(code);
  ASSERT_TRUE(digest);
  EXPECT_EQ(recovery_code_digest("ABCD EFGH IJKL MNOP QRST UVWX"), digest);
  EXPECT_EQ(recovery_code_digest("abcdefghijklmnopqrstuvwx"), digest);
  for (std::string_view bad : {"", "abcd", "abcd-efgh-ijkl-mnop-qrst-uvw1", "abcd-efgh-ijkl-mnop-qrst-uvwxy",
                               "abcd-efgh-ijkl-mnop-qrst-uvw\n"})
    EXPECT_FALSE(recovery_code_digest(bad)) << bad;
  EXPECT_FALSE(recovery_code_digest(std::string(100, 'a')));
}

TEST(QrSvg, DrawsAnInlineSvgOrSaysItCannot) {
  const auto svg = qr_svg("otpauth://totp/x:y?secret=ABC");
  ASSERT_TRUE(svg);
  EXPECT_TRUE(svg->starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(svg->find("<title>"), std::string::npos);
  EXPECT_NE(svg->find("<path"), std::string::npos);
  EXPECT_FALSE(qr_svg(std::string(8000, 'x')));
}

// The second step on a real (SQLite) store.
class SignInStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    store_ = std::make_unique<store::sqlite::SqliteStore>(dir_.file("mfa.db"));
    audit_ = std::make_unique<auth::AuditLog>(*store_);
    auth::Options o;
    o.issuer = "http://test";
    o.password = {1, 64 * 1024};
    auth::KeyPolicy kp;
    kp.alg = token::Alg::HS256;
    auto keys = auth::load_signing_keys(*store_, kp, now_).value();
    auto secret = auth::load_refresh_secret(*store_, now_).value();
    service_ = std::make_unique<auth::Service>(*store_, std::move(keys), secret, o, [this] { return now_; }, *audit_);
    Options m;
    m.sealing_key = crypto::SealingKey::from_bytes(std::string(32, 'k'));
    factors_ = std::make_unique<SecondFactors>(*service_, std::move(m));
    ASSERT_TRUE(service_->accounts().signup("alice", "password123"));
    user_ = store_->users().find_by_name("alice").value();
  }

  // Sets up and confirms an authenticator: its secret.
  std::string enrol() {
    auto setup = factors_->enrolment().begin_totp(user_, client_);
    EXPECT_TRUE(setup);
    const auto t = factors_->enrolment().totp_secret(store_->factors().find_totp(user_.id).value());
    const std::string secret = t.value().value();
    auto codes = factors_->enrolment().confirm_totp(user_, totp_code(secret, totp_step(now_)), client_);
    EXPECT_TRUE(codes);
    recovery_ = codes.value_or(std::vector<std::string>{});
    return secret;
  }

  std::string challenge(const auth::Client& c, std::string_view bound_to = {}) {
    auto ch = factors_->sign_in_step().challenge_if_enrolled(user_, c, bound_to);
    EXPECT_TRUE(ch && *ch);
    return ch && *ch ? (*ch)->mfa_token : std::string();
  }

  latchkey::testing::TempDir dir_;
  UnixSeconds now_ = 1'800'000'000;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<auth::AuditLog> audit_;
  std::unique_ptr<auth::Service> service_;
  std::unique_ptr<SecondFactors> factors_;
  store::User user_;
  std::vector<std::string> recovery_;
  auth::Client client_{"test-agent", "10.0.0.1"};
};

TEST_F(SignInStepTest, NoChallengeWithoutAnAuthenticator) {
  auto ch = factors_->sign_in_step().challenge_if_enrolled(user_, client_, {});
  ASSERT_TRUE(ch);
  EXPECT_FALSE(*ch);
  // A pending (unconfirmed) one does not count either.
  ASSERT_TRUE(factors_->enrolment().begin_totp(user_, client_));
  EXPECT_FALSE(*factors_->sign_in_step().challenge_if_enrolled(user_, client_, {}));
}

TEST_F(SignInStepTest, ConfirmingGivesRecoveryCodesOnceAndSpendsTheEnrolmentCode) {
  const std::string secret = enrol();
  EXPECT_EQ(recovery_.size(), kRecoveryCodeCount);
  auto s = factors_->enrolment().status(user_.id).value();
  EXPECT_TRUE(s.totp);
  EXPECT_EQ(s.recovery_codes, 10);
  EXPECT_EQ(s.methods(), (std::vector<std::string>{"totp", "recovery_code"}));
  // The enrolment code does not sign in.
  const std::string token = challenge(client_);
  EXPECT_EQ(factors_->sign_in_step().pass(token, {.totp = totp_code(secret, totp_step(now_))}, client_, {}).error(),
            auth::AuthError::mfa_code_invalid);
  EXPECT_EQ(factors_->enrolment().begin_totp(user_, client_).error(), auth::AuthError::factor_exists);
}

TEST_F(SignInStepTest, ACodeSignsInOnceAndTheStepIsSpent) {
  const std::string secret = enrol();
  now_ += 30;
  const std::string token = challenge(client_);
  auto passed = factors_->sign_in_step().pass(token, {.totp = totp_code(secret, totp_step(now_))}, client_, {});
  ASSERT_TRUE(passed) << static_cast<int>(passed.error());
  EXPECT_EQ(passed->amr, "pwd otp mfa");
  auto pair = factors_->sign_in_step().complete(*passed, client_);
  ASSERT_TRUE(pair);
  EXPECT_FALSE(pair->access_token.empty());
  // The token is spent; the same code on a new step is spent too.
  EXPECT_EQ(factors_->sign_in_step().pass(token, {.totp = totp_code(secret, totp_step(now_))}, client_, {}).error(),
            auth::AuthError::mfa_token_invalid);
  EXPECT_EQ(
      factors_->sign_in_step().pass(challenge(client_), {.totp = totp_code(secret, totp_step(now_))}, client_, {}).error(),
      auth::AuthError::mfa_code_invalid);
}

TEST_F(SignInStepTest, ARecoveryCodeWorksOnce) {
  enrol();
  auto passed = factors_->sign_in_step().pass(challenge(client_), {.recovery = recovery_[3]}, client_, {});
  ASSERT_TRUE(passed);
  EXPECT_EQ(passed->amr, "pwd otp mfa");
  EXPECT_EQ(factors_->sign_in_step().pass(challenge(client_), {.recovery = recovery_[3]}, client_, {}).error(),
            auth::AuthError::mfa_code_invalid);
  EXPECT_EQ(factors_->enrolment().status(user_.id)->recovery_codes, 9);
  // New codes void the old.
  auto fresh = factors_->enrolment().new_recovery_codes(user_, client_).value();
  EXPECT_EQ(factors_->sign_in_step().pass(challenge(client_), {.recovery = recovery_[4]}, client_, {}).error(),
            auth::AuthError::mfa_code_invalid);
  EXPECT_TRUE(factors_->sign_in_step().pass(challenge(client_), {.recovery = fresh[0]}, client_, {}));
}

TEST_F(SignInStepTest, FiveWrongCodesSpendTheStep) {
  const std::string secret = enrol();
  now_ += 30;
  const std::string token = challenge(client_);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(factors_->sign_in_step().pass(token, {.totp = "000000"}, client_, {}).error(),
              auth::AuthError::mfa_code_invalid);
  EXPECT_EQ(factors_->sign_in_step().pass(token, {.totp = totp_code(secret, totp_step(now_))}, client_, {}).error(),
            auth::AuthError::mfa_token_invalid);
}

TEST_F(SignInStepTest, TheTokenIsBoundToItsCallerAndExpires) {
  const std::string secret = enrol();
  now_ += 30;
  const std::string token = challenge(client_, "client-a");
  const Code code{.totp = totp_code(secret, totp_step(now_))};
  EXPECT_EQ(factors_->sign_in_step().pass(token, code, {"another-agent", "10.0.0.1"}, "client-a").error(),
            auth::AuthError::mfa_token_invalid);
  EXPECT_EQ(factors_->sign_in_step().pass(token, code, client_, "client-b").error(),
            auth::AuthError::mfa_token_invalid);
  now_ += 301;
  EXPECT_EQ(factors_->sign_in_step().pass(token, code, client_, "client-a").error(), auth::AuthError::mfa_token_invalid);
}

TEST_F(SignInStepTest, MissingOrDoubleCodesAndBadTokensAreRefused) {
  enrol();
  const std::string token = challenge(client_);
  EXPECT_EQ(factors_->sign_in_step().pass(token, {}, client_, {}).error(), auth::AuthError::mfa_code_required);
  EXPECT_EQ(factors_->sign_in_step().pass(token, {.totp = "123456", .recovery = "x"}, client_, {}).error(),
            auth::AuthError::mfa_code_required);
  EXPECT_EQ(factors_->sign_in_step().pass("", {.totp = "123456"}, client_, {}).error(),
            auth::AuthError::mfa_token_invalid);
  EXPECT_EQ(factors_->sign_in_step().pass(std::string(500, 'a'), {.totp = "123456"}, client_, {}).error(),
            auth::AuthError::mfa_token_invalid);
  EXPECT_EQ(factors_->sign_in_step().pass("unknown", {.totp = "123456"}, client_, {}).error(),
            auth::AuthError::mfa_token_invalid);
}

TEST_F(SignInStepTest, WithoutAKeyTotpIsUnavailable) {
  SecondFactors keyless(*service_, Options{});
  EXPECT_FALSE(keyless.enrolment().totp_available());
  EXPECT_EQ(keyless.enrolment().begin_totp(user_, client_).error(), auth::AuthError::totp_unavailable);
}

}  // namespace
}  // namespace latchkey::mfa
