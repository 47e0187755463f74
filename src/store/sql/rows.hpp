#pragma once
// Row mapping written once for every backend: each reader takes a row
// adapter (and, for users and sessions, the column the record starts at) and
// reads the columns of sql/columns.hpp. A row adapter is anything with
//   std::string text(int col) const;  std::int64_t int64(int col) const;
//   std::optional<std::int64_t> optional_int64(int col) const;
//   bool is_null(int col) const;
// sqlite::Statement (on a row) is one, postgres::PgRow another. Generic
// lambdas, so that they pass as readers as they are and reading a row costs
// no virtual call.
#include <cstdint>
#include <string>

#include "store/limit_counter.hpp"
#include "store/records.hpp"
#include "store/session_store.hpp"
#include "store/sql/columns.hpp"

namespace latchkey::store::sql {

// kUserColumns from column `at` on.
inline constexpr auto read_user = [](const auto& r, int at = 0) {
  return User{r.text(at),         r.text(at + 1),          r.text(at + 2),
              r.int64(at + 3),      r.text(at + 4),          r.optional_int64(at + 5),
              r.text(at + 6),       r.int64(at + 7) != 0};
};

// kSessionColumns from column `at` on.
inline constexpr auto read_session = [](const auto& r, int at = 0) {
  Session s;
  s.id = r.text(at + 0);
  s.user_id = r.text(at + 1);
  s.created_at = r.int64(at + 2);
  s.last_used_at = r.int64(at + 3);
  s.expires_at = r.int64(at + 4);
  s.revoked_at = r.optional_int64(at + 5);
  s.user_agent = r.text(at + 6);
  s.ip = r.text(at + 7);
  s.refresh_hash = r.text(at + 8);
  s.prev_refresh_hash = r.text(at + 9);
  s.generation = r.int64(at + 10);
  s.rotated_at = r.optional_int64(at + 11);
  s.created_seq = r.int64(at + 12);
  s.end_reason = r.text(at + 13);
  s.kind = r.text(at + 14);
  s.client_id = r.text(at + 15);
  s.parent_id = r.text(at + 16);
  s.cookie_hash = r.text(at + 17);
  s.auth_time = r.int64(at + 18);
  s.amr = r.text(at + 19);
  s.scope = r.text(at + 20);
  return s;
};

// kSessionAndUserColumns; the user is empty when the join found none.
inline constexpr auto read_session_with_user = [](const auto& r) {
  SessionStore::WithUser both{read_session(r, 0), std::nullopt};
  if (!r.is_null(kUserAfterSession)) both.user = read_user(r, kUserAfterSession);
  return both;
};

// kUserColumns, then the number of live sessions.
inline constexpr auto read_user_summary = [](const auto& r) { return UserSummary{read_user(r, 0), r.int64(8)}; };

// kKeyColumns.
inline constexpr auto read_key = [](const auto& r) {
  return StoredKey{r.text(0), r.text(1), r.text(2), r.int64(3), r.int64(4), r.optional_int64(5)};
};

// kSecretColumns.
inline constexpr auto read_secret = [](const auto& r) { return Secret{r.text(0), r.text(1), r.int64(2)}; };

// kAuditColumns.
inline constexpr auto read_event = [](const auto& r) {
  return AuditEvent{r.text(0), r.int64(1), r.int64(2), r.text(3), r.text(4),  r.text(5),
                    r.text(6), r.text(7),  r.text(8),  r.text(9), r.text(10), r.text(11)};
};

// kRevokedColumns.
inline constexpr auto read_revoked = [](const auto& r) { return RevokedSession{r.text(0), r.int64(1)}; };

// The first column, as text (an id, a secret's value, an algorithm) or a number.
// kClientColumns.
inline constexpr auto read_client = [](const auto& r) {
  return OAuthClient{r.text(0), r.text(1), r.text(2), r.text(3), r.int64(4), r.int64(5)};
};

// kCodeColumns, as stored.
inline constexpr auto read_code = [](const auto& r) {
  AuthorizationCode c;
  c.code_hash = r.text(0);
  c.client_id = r.text(1);
  c.user_id = r.text(2);
  c.browser_session_id = r.text(3);
  c.redirect_uri = r.text(4);
  c.scope = r.text(5);
  c.nonce = r.text(6);
  c.code_challenge = r.text(7);
  c.auth_time = r.int64(8);
  c.amr = r.text(9);
  c.created_at = r.int64(10);
  c.expires_at = r.int64(11);
  c.used_at = r.optional_int64(12);
  c.issued_session_id = r.text(13);
  return c;
};
// kCodeColumns as a redemption returns them (after it): the code as it was
// before, so used_at is empty for the redemption that made it 1.
inline constexpr auto read_redeemed_code = [](const auto& r) {
  AuthorizationCode c = read_code(r);
  if (r.int64(14) == 1) c.used_at.reset();
  return c;
};

// set_code_issued's one column: whether a replay came in between.
inline constexpr auto read_replayed = [](const auto& r) { return r.int64(0) > 1; };

// kConsentColumns.
inline constexpr auto read_consent = [](const auto& r) {
  return Consent{r.text(0), r.text(1), r.text(2), r.int64(3)};
};

// kTotpColumns.
inline constexpr auto read_totp = [](const auto& r) {
  return TotpFactor{r.text(0), r.text(1), r.int64(2), r.optional_int64(3), r.int64(4)};
};

// kPasskeyColumns.
inline constexpr auto read_passkey = [](const auto& r) {
  Passkey p;
  p.credential_id = r.text(0);
  p.user_id = r.text(1);
  p.name = r.text(2);
  p.alg = r.int64(3);
  p.public_key = r.text(4);
  p.sign_count = r.int64(5);
  p.aaguid = r.text(6);
  p.backup_eligible = r.int64(7) != 0;
  p.created_at = r.int64(8);
  p.last_used_at = r.optional_int64(9);
  return p;
};

// kWebauthnChallengeColumns.
inline constexpr auto read_webauthn_challenge = [](const auto& r) {
  return WebauthnChallenge{r.text(0), r.text(1), r.text(2), r.text(3), r.int64(4)};
};

// kMfaChallengeColumns.
inline constexpr auto read_mfa_challenge = [](const auto& r) {
  MfaChallenge c;
  c.token_hash = r.text(0);
  c.user_id = r.text(1);
  c.binding = r.text(2);
  c.amr = r.text(3);
  c.auth_time = r.int64(4);
  c.created_at = r.int64(5);
  c.expires_at = r.int64(6);
  c.failures = r.int64(7);
  c.used_at = r.optional_int64(8);
  return c;
};

// A count, or any one integer column.
inline constexpr auto read_count = [](const auto& r) { return r.int64(0); };

// kDeliveryColumns.
inline constexpr auto read_delivery = [](const auto& r) {
  LogoutDelivery d;
  d.id = r.int64(0);
  d.client_id = r.text(1);
  d.logout_uri = r.text(2);
  d.user_id = r.text(3);
  d.session_id = r.text(4);
  d.created_at = r.int64(5);
  d.attempts = r.int64(6);
  d.next_attempt_at = r.int64(7);
  d.last_error = r.text(8);
  d.delivered_at = r.optional_int64(9);
  d.gave_up_at = r.optional_int64(10);
  return d;
};

// kEmailTokenColumns.
inline constexpr auto read_email_token = [](const auto& r) {
  return EmailToken{r.text(0), r.text(1), r.text(2), r.text(3), r.int64(4), r.int64(5), r.optional_int64(6)};
};

// kMailColumns.
inline constexpr auto read_mail = [](const auto& r) {
  OutboxMail m;
  m.id = r.int64(0);
  m.message_key = r.text(1);
  m.kind = r.text(2);
  m.user_id = r.text(3);
  m.recipient = r.text(4);
  m.detail = r.text(5);
  m.created_at = r.int64(6);
  m.attempts = r.int64(7);
  m.next_attempt_at = r.int64(8);
  m.last_error = r.text(9);
  m.sent_at = r.optional_int64(10);
  m.gave_up_at = r.optional_int64(11);
  return m;
};

// count, window_start, locked_until.
inline constexpr auto read_limit_counter = [](const auto& r) {
  return LimitCounter{r.int64(0), r.int64(1), r.int64(2)};
};
// kLimitColumns.
inline constexpr auto read_limit_row = [](const auto& r) {
  return LimitRow{LimitKey{r.text(0), r.text(1), r.text(2)}, LimitCounter{r.int64(3), r.int64(4), r.int64(5)}};
};

inline constexpr auto read_text = [](const auto& r) { return r.text(0); };
inline constexpr auto read_int64 = [](const auto& r) { return r.int64(0); };

}  // namespace latchkey::store::sql
