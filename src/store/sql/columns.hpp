#pragma once
// The column lists every backend selects, in the order sql/rows.hpp reads
// them: one place to add a column to a row.
#include <string_view>

namespace latchkey::store::sql {

// OAuthClient: read_client.
inline constexpr std::string_view kClientColumns =
    "id, secret_digest, registration_digest, metadata, created_at, updated_at";

// LimitRow: read_limit_row.
inline constexpr std::string_view kLimitColumns = "limit_name, account, ip, count, window_start, locked_until";

// User: read_user.
inline constexpr std::string_view kUserColumns =
    "id, username, password_hash, created_at, username_key, disabled_at, email, email_verified";

// Session: read_session. revoked_reason is NULL until the session ends.
inline constexpr std::string_view kSessionColumns =
    "id, user_id, created_at, last_used_at, expires_at, revoked_at, user_agent, ip, "
    "refresh_hash, prev_refresh_hash, generation, rotated_at, created_seq, "
    "COALESCE(revoked_reason, ''), kind, client_id, parent_id, cookie_hash, auth_time, amr, scope";

// A session (alias s) and its user (alias u, of a LEFT JOIN): read_session_with_user.
// The two lists above, qualified.
inline constexpr std::string_view kSessionAndUserColumns =
    "s.id, s.user_id, s.created_at, s.last_used_at, s.expires_at, s.revoked_at, s.user_agent, "
    "s.ip, s.refresh_hash, s.prev_refresh_hash, s.generation, s.rotated_at, s.created_seq, "
    "COALESCE(s.revoked_reason, ''), s.kind, s.client_id, s.parent_id, s.cookie_hash, s.auth_time, s.amr, "
    "s.scope, u.id, u.username, u.password_hash, u.created_at, u.username_key, u.disabled_at, u.email, "
    "u.email_verified";
inline constexpr int kUserAfterSession = 21;  // the first user column of kSessionAndUserColumns

// StoredKey: read_key.
inline constexpr std::string_view kKeyColumns = "kid, alg, material, created_at, not_before, retired_at";

// Secret: read_secret.
inline constexpr std::string_view kSecretColumns = "name, value, created_at";

// AuditEvent: read_event. user_id is NULL for an unknown user.
inline constexpr std::string_view kAuditColumns =
    "id, at, seq, event, actor, COALESCE(user_id, ''), username, username_key, session_id, ip, "
    "user_agent, detail";

// AuthorizationCode: read_code. The last is redemptions (see migration 9):
// read_redeemed_code clears used_at unless the code had been redeemed before.
inline constexpr std::string_view kCodeColumns =
    "code_hash, client_id, user_id, browser_session_id, redirect_uri, scope, nonce, code_challenge, "
    "auth_time, amr, created_at, expires_at, used_at, issued_session_id, redemptions";

// Consent: read_consent.
inline constexpr std::string_view kConsentColumns = "user_id, client_id, scope, granted_at";

// TotpFactor: read_totp.
inline constexpr std::string_view kTotpColumns = "user_id, sealed_secret, created_at, confirmed_at, last_step";

// Passkey: read_passkey.
inline constexpr std::string_view kPasskeyColumns =
    "credential_id, user_id, name, alg, public_key, sign_count, aaguid, backup_eligible, created_at, last_used_at";

// WebauthnChallenge: read_webauthn_challenge.
inline constexpr std::string_view kWebauthnChallengeColumns = "challenge_hash, purpose, user_id, binding, expires_at";

// MfaChallenge: read_mfa_challenge.
inline constexpr std::string_view kMfaChallengeColumns =
    "token_hash, user_id, binding, amr, auth_time, created_at, expires_at, failures, used_at";

// LogoutDelivery: read_delivery.
// EmailToken: read_email_token.
inline constexpr std::string_view kEmailTokenColumns =
    "token_hash, user_id, purpose, address, created_at, expires_at, used_at";

// OutboxMail: read_mail.
inline constexpr std::string_view kMailColumns =
    "id, message_key, kind, user_id, recipient, detail, created_at, attempts, next_attempt_at, last_error, "
    "sent_at, gave_up_at";

inline constexpr std::string_view kDeliveryColumns =
    "id, client_id, logout_uri, user_id, session_id, created_at, attempts, next_attempt_at, last_error, "
    "delivered_at, gave_up_at";

// RevokedSession: read_revoked.
inline constexpr std::string_view kRevokedColumns = "id, revoked_at";

}  // namespace latchkey::store::sql
