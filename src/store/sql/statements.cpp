#include "store/sql/statements.hpp"

#include <cctype>

#include "store/sql/columns.hpp"

namespace latchkey::store::sql {

std::string with_placeholders(std::string_view sql, Placeholders style) {
  std::string out(sql);
  if (style == Placeholders::numbered_question) return out;
  bool quoted = false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\'') quoted = !quoted;  // '' inside a literal toggles twice
    else if (!quoted && out[i] == '?' && i + 1 < out.size() && std::isdigit(static_cast<unsigned char>(out[i + 1])))
      out[i] = '$';
  }
  return out;
}

namespace {

std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

// Makes the statements of one style: s(name, text with ?N).
class Make {
 public:
  explicit Make(Placeholders style) : style_(style) {}
  Stmt operator()(std::string_view name, const std::string& text) const {
    return Stmt{name, with_placeholders(text, style_)};
  }

 private:
  Placeholders style_;
};

void users(Statements& st, const Make& s) {
  st.insert_user = s("insert_user",
                     "INSERT INTO users (id, username, password_hash, created_at, username_key, disabled_at, "
                     "email, email_verified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  st.find_user_by_email = s("find_user_by_email",
                            cat({"SELECT ", kUserColumns, " FROM users WHERE email = ?1 AND email_verified = 1"}));
  st.set_user_email = s("set_user_email", "UPDATE users SET email = ?2, email_verified = ?3 WHERE id = ?1");
  st.change_password = s("change_password", "UPDATE users SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1");
  st.find_user_by_key = s("find_user_by_key", cat({"SELECT ", kUserColumns, " FROM users WHERE username_key = ?1"}));
  st.find_user_by_id = s("find_user_by_id", cat({"SELECT ", kUserColumns, " FROM users WHERE id = ?1"}));
  st.set_password_hash = s("set_password_hash", "UPDATE users SET password_hash = ?2 WHERE id = ?1");
}

void sessions(Statements& st, const Make& s) {
  st.find_session = s("find_session", cat({"SELECT ", kSessionColumns, " FROM sessions WHERE id = ?1"}));
  st.find_session_and_user =
      s("find_session_and_user", cat({"SELECT ", kSessionAndUserColumns,
                                      " FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = ?1"}));
  st.rotate_refresh = s("rotate_refresh",
                        "UPDATE sessions SET refresh_hash = ?4, prev_refresh_hash = ?3, generation = ?2 + 1, "
                        "rotated_at = ?5, last_used_at = ?5 "
                        "WHERE id = ?1 AND generation = ?2 AND refresh_hash = ?3 AND revoked_at IS NULL");
  st.list_live_sessions =
      s("list_live_sessions", cat({"SELECT ", kSessionColumns,
                                   " FROM sessions WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2"
                                   " AND last_used_at >= ?3 ORDER BY created_at DESC, created_seq DESC, id"}));
  st.count_live_sessions =
      s("count_live_sessions",
        "SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > ?1 AND last_used_at >= ?2");
  st.list_revoked_since =
      s("list_revoked_since", cat({"SELECT ", kRevokedColumns, " FROM sessions WHERE revoked_at >= ?1 UNION ALL SELECT ",
                                   kRevokedColumns, " FROM deleted_session_revocations WHERE revoked_at >= ?1"}));
  st.insert_session =
      s("import_session",
        "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, "
        "revoked_at, user_agent, ip, prev_refresh_hash, generation, rotated_at, created_seq, "
        "revoked_reason, kind, client_id, parent_id, cookie_hash, auth_time, amr, scope) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)");
  // cookie_hash <> '': api and oauth sessions have none (and the partial index applies).
  st.find_session_by_cookie =
      s("find_session_by_cookie",
        cat({"SELECT ", kSessionAndUserColumns,
             " FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.cookie_hash = ?1 AND s.cookie_hash <> ''"}));
  st.reauthenticate = s("reauthenticate",
                        "UPDATE sessions SET auth_time = ?2, amr = ?3 WHERE id = ?1 AND revoked_at IS NULL");
}

void codes(Statements& st, const Make& s) {
  // A code stored as used already counts as redeemed once.
  st.insert_code = s("insert_code",
                     "INSERT INTO authorization_codes (code_hash, client_id, user_id, browser_session_id, "
                     "redirect_uri, scope, nonce, code_challenge, auth_time, amr, created_at, expires_at, used_at, "
                     "issued_session_id, redemptions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                     "?13, ?14, CASE WHEN CAST(?13 AS BIGINT) IS NULL THEN 0 ELSE 1 END)");
  // One statement: the row lock (PostgreSQL re-evaluates the SET on the row
  // a concurrent redemption committed) or the single writer (SQLite) makes
  // exactly one redemption see redemptions become 1.
  st.redeem_code = s("redeem_code", cat({"UPDATE authorization_codes SET used_at = COALESCE(used_at, ?2), "
                                         "redemptions = redemptions + 1 WHERE code_hash = ?1 RETURNING ",
                                         kCodeColumns}));
  st.set_code_issued =
      s("set_code_issued",
        "UPDATE authorization_codes SET issued_session_id = ?2 WHERE code_hash = ?1 RETURNING redemptions");
  st.prune_codes = s("prune_codes", "DELETE FROM authorization_codes WHERE expires_at < ?1");

  // Only while both the user and the client exist (the foreign keys would
  // refuse it anyway, as a conflict); the casts type the SELECT list for PostgreSQL.
  st.grant_consent = s("grant_consent",
                       "INSERT INTO consents (user_id, client_id, scope, granted_at) "
                       "SELECT CAST(?1 AS TEXT), CAST(?2 AS TEXT), CAST(?3 AS TEXT), CAST(?4 AS BIGINT) "
                       "WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1) "
                       "AND EXISTS (SELECT 1 FROM oauth_clients WHERE id = ?2) "
                       "ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope, "
                       "granted_at = excluded.granted_at");
  st.insert_consent = s("import_consent", cat({"INSERT INTO consents (", kConsentColumns,
                                               ") VALUES (?1, ?2, ?3, ?4)"}));
  st.find_consent = s("find_consent", cat({"SELECT ", kConsentColumns,
                                           " FROM consents WHERE user_id = ?1 AND client_id = ?2"}));
  st.list_consents = s("list_consents", cat({"SELECT ", kConsentColumns,
                                             " FROM consents WHERE user_id = ?1 ORDER BY granted_at DESC, client_id"}));
  st.revoke_consent = s("revoke_consent", "DELETE FROM consents WHERE user_id = ?1 AND client_id = ?2");

  // A new enrolment replaces one not yet confirmed, never a confirmed one
  // (that is removed first, with a fresh credential).
  st.put_pending_totp = s("put_pending_totp",
                          "INSERT INTO totp_factors (user_id, sealed_secret, created_at, confirmed_at, last_step) "
                          "SELECT CAST(?1 AS TEXT), CAST(?2 AS TEXT), CAST(?3 AS BIGINT), NULL, 0 "
                          "WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1) "
                          "ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, "
                          "created_at = excluded.created_at, last_step = 0 WHERE totp_factors.confirmed_at IS NULL");
  st.find_totp = s("find_totp", cat({"SELECT ", kTotpColumns, " FROM totp_factors WHERE user_id = ?1"}));
  // One statement each, so a code is accepted once even when two instances
  // check it at the same moment: the row decides.
  st.confirm_totp = s("confirm_totp",
                      "UPDATE totp_factors SET confirmed_at = ?3, last_step = ?2 "
                      "WHERE user_id = ?1 AND confirmed_at IS NULL AND last_step < ?2");
  st.use_totp_step = s("use_totp_step",
                       "UPDATE totp_factors SET last_step = ?2 "
                       "WHERE user_id = ?1 AND confirmed_at IS NOT NULL AND last_step < ?2");
  st.remove_totp = s("remove_totp", "DELETE FROM totp_factors WHERE user_id = ?1");
  st.insert_recovery_code = s("insert_recovery_code",
                              "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)");
  st.use_recovery_code = s("use_recovery_code",
                           "UPDATE recovery_codes SET used_at = ?3 "
                           "WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL");
  st.count_recovery_codes =
      s("count_recovery_codes", "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL");
  st.remove_recovery_codes = s("remove_recovery_codes", "DELETE FROM recovery_codes WHERE user_id = ?1");

  st.insert_passkey = s("insert_passkey", cat({"INSERT INTO passkeys (", kPasskeyColumns,
                                               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"}));
  st.find_passkey = s("find_passkey", cat({"SELECT ", kPasskeyColumns, " FROM passkeys WHERE credential_id = ?1"}));
  st.list_passkeys = s("list_passkeys", cat({"SELECT ", kPasskeyColumns,
                                             " FROM passkeys WHERE user_id = ?1 ORDER BY created_at, credential_id"}));
  // The counter rule in the row's own write (webauthn/ceremony.hpp counter_ok).
  st.use_passkey = s("use_passkey",
                     "UPDATE passkeys SET sign_count = ?2, last_used_at = ?3 WHERE credential_id = ?1 "
                     "AND ((sign_count = 0 AND ?2 = 0) OR ?2 > sign_count)");
  st.rename_passkey = s("rename_passkey", "UPDATE passkeys SET name = ?3 WHERE user_id = ?1 AND credential_id = ?2");
  st.remove_passkey = s("remove_passkey", "DELETE FROM passkeys WHERE user_id = ?1 AND credential_id = ?2");
  st.count_passkeys = s("count_passkeys", "SELECT COUNT(*) FROM passkeys WHERE user_id = ?1");
  st.remove_passkeys = s("remove_passkeys", "DELETE FROM passkeys WHERE user_id = ?1 RETURNING credential_id");
  st.insert_webauthn_challenge = s("insert_webauthn_challenge", cat({"INSERT INTO webauthn_challenges (",
                                                                     kWebauthnChallengeColumns,
                                                                     ") VALUES (?1, ?2, ?3, ?4, ?5)"}));
  st.take_webauthn_challenge = s("take_webauthn_challenge",
                                 cat({"UPDATE webauthn_challenges SET used_at = ?3 WHERE challenge_hash = ?1 "
                                      "AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3 RETURNING ",
                                      kWebauthnChallengeColumns}));
  st.prune_webauthn_challenges =
      s("prune_webauthn_challenges", "DELETE FROM webauthn_challenges WHERE expires_at < ?1");

  st.insert_mfa_challenge = s("insert_mfa_challenge", cat({"INSERT INTO mfa_challenges (", kMfaChallengeColumns,
                                                           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"}));
  st.find_mfa_challenge =
      s("find_mfa_challenge", cat({"SELECT ", kMfaChallengeColumns, " FROM mfa_challenges WHERE token_hash = ?1"}));
  st.fail_mfa_challenge = s("fail_mfa_challenge",
                            "UPDATE mfa_challenges SET failures = failures + 1 WHERE token_hash = ?1 "
                            "AND used_at IS NULL RETURNING failures");
  st.consume_mfa_challenge = s("consume_mfa_challenge",
                               "UPDATE mfa_challenges SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL "
                               "AND expires_at > ?2 AND failures < ?3");
  st.prune_mfa_challenges = s("prune_mfa_challenges", "DELETE FROM mfa_challenges WHERE expires_at < ?1");

  // The WHERE also keeps SQLite from reading ON CONFLICT as a join's ON.
  st.note_client = s("note_client",
                     "INSERT INTO session_clients (session_id, client_id, logout_uri) "
                     "SELECT id, CAST(?2 AS TEXT), CAST(?3 AS TEXT) FROM sessions WHERE id = ?1 "
                     "ON CONFLICT (session_id, client_id) DO UPDATE SET logout_uri = excluded.logout_uri");
  constexpr std::string_view kPending = "delivered_at IS NULL AND gave_up_at IS NULL";
  st.due_deliveries = s("due_deliveries", cat({"SELECT ", kDeliveryColumns, " FROM logout_deliveries WHERE ", kPending,
                                               " AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2"}));
  st.delivery_delivered = s("delivery_delivered",
                            "UPDATE logout_deliveries SET delivered_at = COALESCE(delivered_at, ?2), "
                            "attempts = attempts + 1 WHERE id = ?1");
  st.delivery_failed = s("delivery_failed",
                         "UPDATE logout_deliveries SET attempts = attempts + 1, next_attempt_at = ?2, "
                         "last_error = ?3 WHERE id = ?1");
  st.delivery_gave_up = s("delivery_gave_up",
                          "UPDATE logout_deliveries SET attempts = attempts + 1, "
                          "gave_up_at = COALESCE(gave_up_at, ?2), last_error = ?3 WHERE id = ?1");
  st.list_deliveries = s("list_deliveries", cat({"SELECT ", kDeliveryColumns,
                                                 " FROM logout_deliveries ORDER BY id DESC LIMIT ?1"}));
  st.prune_deliveries = s("prune_deliveries",
                          "DELETE FROM logout_deliveries WHERE delivered_at < ?1 OR gave_up_at < ?1");

  st.first_use_assertion = s("first_use_assertion",
                             "INSERT INTO used_assertions (key, expires_at) VALUES (?1, ?2) "
                             "ON CONFLICT (key) DO NOTHING");
  st.prune_assertions = s("prune_assertions", "DELETE FROM used_assertions WHERE expires_at < ?1");
}

void mail(Statements& st, const Make& s) {
  st.void_email_tokens =
      s("void_email_tokens", "DELETE FROM email_tokens WHERE user_id = ?1 AND purpose = ?2 AND used_at IS NULL");
  st.insert_email_token = s("insert_email_token", cat({"INSERT INTO email_tokens (", kEmailTokenColumns,
                                                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"}));
  st.find_email_token = s("find_email_token", cat({"SELECT ", kEmailTokenColumns,
                                                   " FROM email_tokens WHERE token_hash = ?1 AND purpose = ?2 "
                                                   "AND used_at IS NULL AND expires_at > ?3"}));
  st.redeem_email_token = s("redeem_email_token",
                            cat({"UPDATE email_tokens SET used_at = ?3 WHERE token_hash = ?1 AND purpose = ?2 "
                                 "AND used_at IS NULL AND expires_at > ?3 RETURNING ",
                                 kEmailTokenColumns}));
  st.prune_email_tokens = s("prune_email_tokens", "DELETE FROM email_tokens WHERE expires_at < ?1");
  st.insert_mail = s("insert_mail",
                     "INSERT INTO mail_outbox (kind, user_id, recipient, detail, created_at, next_attempt_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  st.clear_notices = s("clear_notices", "DELETE FROM mail_notices");
  st.insert_notice = s("insert_notice", "INSERT INTO mail_notices (kind) VALUES (?1)");
  st.due_mail = s("due_mail", cat({"SELECT ", kMailColumns,
                                   " FROM mail_outbox WHERE sent_at IS NULL AND gave_up_at IS NULL "
                                   "AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2"}));
  st.mail_sent = s("mail_sent",
                   "UPDATE mail_outbox SET attempts = attempts + 1, sent_at = ?2, detail = '{}', last_error = '' "
                   "WHERE id = ?1");
  st.mail_failed = s("mail_failed",
                     "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 "
                     "WHERE id = ?1");
  st.mail_gave_up = s("mail_gave_up",
                      "UPDATE mail_outbox SET attempts = attempts + 1, gave_up_at = ?2, last_error = ?3 WHERE id = ?1");
  st.retry_mail = s("retry_mail",
                    "UPDATE mail_outbox SET gave_up_at = NULL, attempts = 0, next_attempt_at = ?2 "
                    "WHERE id = ?1 AND gave_up_at IS NOT NULL");
  st.list_mail = s("list_mail", cat({"SELECT ", kMailColumns, " FROM mail_outbox ORDER BY id DESC LIMIT ?1"}));
  st.count_pending_mail =
      s("count_pending_mail", "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND gave_up_at IS NULL");
  st.prune_mail = s("prune_mail", "DELETE FROM mail_outbox WHERE sent_at < ?1 OR gave_up_at < ?1");
}

void keys(Statements& st, const Make& s) {
  st.find_secret = s("ensure_secret_select", "SELECT value FROM server_secrets WHERE name = ?1");
  st.insert_secret_if_absent = s("ensure_secret_insert",
                                 "INSERT INTO server_secrets (name, value, created_at) VALUES (?1, ?2, ?3) "
                                 "ON CONFLICT (name) DO NOTHING");
  st.put_secret = s("import_secret",
                    "INSERT INTO server_secrets (name, value, created_at) VALUES (?1, ?2, ?3) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at");
  st.list_keys = s("list_keys", cat({"SELECT ", kKeyColumns,
                                     " FROM signing_keys ORDER BY not_before DESC, created_at DESC, kid"}));
  st.insert_key = s("insert_key", cat({"INSERT INTO signing_keys (", kKeyColumns, ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"}));
  // "Not retired by then": a retirement already scheduled for later (a
  // rotation with a publish delay) is brought forward too.
  st.retire_keys_of = s("retire_keys_of",
                        "UPDATE signing_keys SET retired_at = ?1 WHERE (retired_at IS NULL OR retired_at > ?1) AND alg = ?2");
  st.retire_other_keys = s("retire_other_keys",
                           "UPDATE signing_keys SET retired_at = ?1 WHERE (retired_at IS NULL OR retired_at > ?1) "
                           "AND alg <> ?2 AND alg <> ?3");
  st.signer_of = s("signer_of",
                   "SELECT kid FROM signing_keys WHERE alg = ?2 AND not_before <= ?1 "
                   "AND (retired_at IS NULL OR retired_at > ?1) ORDER BY not_before DESC, created_at DESC, kid LIMIT 1");
}

void audit(Statements& st, const Make& s) {
  const std::string head = cat({"SELECT ", kAuditColumns, " FROM audit_events WHERE "});
  const std::string_view newest_first = " ORDER BY at DESC, seq DESC, id DESC";
  st.insert_event = s("insert_audit",
                      "INSERT INTO audit_events (id, at, seq, event, actor, user_id, username, username_key, "
                      "session_id, ip, user_agent, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  st.list_events_of =
      s("list_audit_user", cat({head, "username_key = ?1 AND (at, seq) < (?2, ?3)", newest_first, " LIMIT ?4"}));
  st.list_events = s("list_audit_all", cat({head, "(at, seq) < (?1, ?2)", newest_first, " LIMIT ?3"}));
  st.prune_events = s("prune_audit",
                      "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < ?1 LIMIT ?2)");
  st.prune_revocations = s("prune_revocations", "DELETE FROM deleted_session_revocations WHERE revoked_at < ?1");

  st.insert_client = s("insert_client", cat({"INSERT INTO oauth_clients (", kClientColumns,
                                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"}));
  st.find_client = s("find_client", cat({"SELECT ", kClientColumns, " FROM oauth_clients WHERE id = ?1"}));
  st.list_clients = s("list_clients", cat({"SELECT ", kClientColumns,
                                           " FROM oauth_clients WHERE id > ?1 ORDER BY id LIMIT ?2"}));
  st.update_client = s("update_client",
                       "UPDATE oauth_clients SET secret_digest = ?2, registration_digest = ?3, metadata = ?4, "
                       "updated_at = ?5 WHERE id = ?1");
  st.delete_client = s("delete_client", "DELETE FROM oauth_clients WHERE id = ?1");

  // An empty filter part matches any; the casts let PostgreSQL type a
  // parameter that is only compared with a literal.
  constexpr std::string_view kLimitFilter =
      "(CAST(?2 AS TEXT) = '' OR account = ?2) AND (CAST(?3 AS TEXT) = '' OR ip = ?3) "
      "AND (CAST(?4 AS TEXT) = '' OR limit_name = ?4)";
  st.read_limit = s("read_limit",
                    "SELECT count, window_start, locked_until FROM limit_counters "
                    "WHERE limit_name = ?1 AND account = ?2 AND ip = ?3");
  st.locked_limits = s("locked_limits", cat({"SELECT ", kLimitColumns, " FROM limit_counters WHERE locked_until > ?1 AND ",
                                             kLimitFilter, " ORDER BY locked_until DESC, limit_name, account, ip LIMIT 1000"}));
  st.clear_limits = s("clear_limits",
                      "DELETE FROM limit_counters WHERE (CAST(?1 AS TEXT) = '' OR account = ?1) AND "
                      "(CAST(?2 AS TEXT) = '' OR ip = ?2) AND (CAST(?3 AS TEXT) = '' OR limit_name = ?3)");
  st.prune_limits = s("prune_limits", "DELETE FROM limit_counters WHERE locked_until <= ?2 AND window_start < ?1");
}

void admin(Statements& st, const Make& s) {
  st.list_users = s("list_users",
                    "SELECT u.id, u.username, u.password_hash, u.created_at, u.username_key, u.disabled_at, "
                    "u.email, u.email_verified, "
                    "(SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL "
                    "AND s.expires_at > ?2 AND s.last_used_at >= ?3) "
                    "FROM users u WHERE u.username_key > ?1 ORDER BY u.username_key LIMIT ?4");
  st.mark_disabled = s("disable_user", "UPDATE users SET disabled_at = COALESCE(disabled_at, ?2) WHERE id = ?1");
  st.enable_user = s("enable_user", "UPDATE users SET disabled_at = NULL WHERE id = ?1");
  st.keep_revocations = s("keep_revocations",
                          "INSERT INTO deleted_session_revocations (id, revoked_at) "
                          "SELECT id, revoked_at FROM sessions WHERE user_id = ?1 AND revoked_at >= ?2 "
                          "ON CONFLICT (id) DO NOTHING");
  st.delete_user = s("delete_user", "DELETE FROM users WHERE id = ?1");
}

void database(Statements& st, const Make& s) {
  st.ping = s("ping", "SELECT 1 FROM schema_migrations LIMIT 1");
  st.count_users_and_sessions =
      s("import_count", "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM sessions)");
  st.all_users = s("export_users", cat({"SELECT ", kUserColumns, " FROM users"}));
  st.all_sessions = s("export_sessions", cat({"SELECT ", kSessionColumns, " FROM sessions"}));
  st.all_secrets = s("export_secrets", cat({"SELECT ", kSecretColumns, " FROM server_secrets"}));
  st.all_events = s("export_audit", cat({"SELECT ", kAuditColumns, " FROM audit_events"}));
  st.all_clients = s("export_clients", cat({"SELECT ", kClientColumns, " FROM oauth_clients ORDER BY id"}));
  st.all_consents =
      s("export_consents", cat({"SELECT ", kConsentColumns, " FROM consents ORDER BY user_id, client_id"}));
  st.create_migrations_table = s("create_migrations_table",
                                 "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                                 "description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
  st.current_version = s("current_version", "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  st.record_migration = s("record_migration",
                          "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?1, ?2, ?3)");
}

Statements build(Placeholders style) {
  const Make make(style);
  Statements st;
  users(st, make);
  sessions(st, make);
  codes(st, make);
  keys(st, make);
  mail(st, make);
  audit(st, make);
  admin(st, make);
  database(st, make);
  return st;
}

}  // namespace

const Statements& statements(Placeholders style) {
  static const Statements question = build(Placeholders::numbered_question);
  static const Statements dollar = build(Placeholders::numbered_dollar);
  return style == Placeholders::numbered_question ? question : dollar;
}

}  // namespace latchkey::store::sql
