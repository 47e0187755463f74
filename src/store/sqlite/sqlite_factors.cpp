#include "store/sqlite/sqlite_factors.hpp"

#include "store/sql/factor_calls.hpp"
#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;

Result<void> SqliteFactors::put_pending_totp(const TotpFactor& f) {
  Access lock(connections_, Use::write);
  Calls c(lock.db(), "put_pending_totp");
  return sql::put_pending_totp(c, sql_, f);
}

Result<TotpFactor> SqliteFactors::find_totp(std::string_view user_id) {
  Access lock(connections_, Use::read);
  Calls c(lock.db(), "find_totp");
  return sql::find_totp(c, sql_, user_id);
}

Result<bool> SqliteFactors::confirm_totp(std::string_view user_id, std::int64_t step, UnixSeconds now) {
  Access lock(connections_, Use::write);
  Calls c(lock.db(), "confirm_totp");
  return sql::confirm_totp(c, sql_, user_id, step, now);
}

Result<bool> SqliteFactors::use_totp_step(std::string_view user_id, std::int64_t step) {
  Access lock(connections_, Use::write);
  Calls c(lock.db(), "use_totp_step");
  return sql::use_totp_step(c, sql_, user_id, step);
}

Result<void> SqliteFactors::remove_totp(std::string_view user_id) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "remove_totp").change(sql_.remove_totp, user_id);
}

Result<void> SqliteFactors::replace_recovery_codes(std::string_view user_id, const std::vector<std::string>& digests,
                                                   UnixSeconds now) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Calls c(db, "replace_recovery_codes");
  return in_transaction<void>(db, "replace_recovery_codes",
                              [&] { return sql::replace_recovery_codes(c, sql_, user_id, digests, now); });
}

Result<bool> SqliteFactors::use_recovery_code(std::string_view user_id, std::string_view digest, UnixSeconds now) {
  Access lock(connections_, Use::write);
  Calls c(lock.db(), "use_recovery_code");
  return sql::use_recovery_code(c, sql_, user_id, digest, now);
}

Result<std::int64_t> SqliteFactors::unused_recovery_codes(std::string_view user_id) {
  Access lock(connections_, Use::read);
  Calls c(lock.db(), "count_recovery_codes");
  return sql::unused_recovery_codes(c, sql_, user_id);
}

Result<std::int64_t> SqliteFactors::remove_all(std::string_view user_id) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Calls c(db, "remove_factors");
  return in_transaction<std::int64_t>(db, "remove_factors", [&] { return sql::remove_all_factors(c, sql_, user_id); });
}

Result<void> SqliteFactors::add_passkey(const Passkey& passkey) {
  Access lock(connections_, Use::write);
  Calls c(lock.db(), "add_passkey");
  return sql::add_passkey(c, sql_, passkey);
}

Result<Passkey> SqliteFactors::find_passkey(std::string_view credential_id) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "find_passkey").one(sql_.find_passkey, sql::read_passkey, credential_id);
}

Result<std::vector<Passkey>> SqliteFactors::list_passkeys(std::string_view user_id) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "list_passkeys").all(sql_.list_passkeys, sql::read_passkey, user_id);
}

Result<bool> SqliteFactors::use_passkey(std::string_view credential_id, std::int64_t sign_count, UnixSeconds now) {
  Access lock(connections_, Use::write);
  return sql::changed(Calls(lock.db(), "use_passkey").change(sql_.use_passkey, credential_id, sign_count, now));
}

Result<void> SqliteFactors::rename_passkey(std::string_view user_id, std::string_view credential_id,
                                           std::string_view name) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "rename_passkey").change(sql_.rename_passkey, user_id, credential_id, name);
}

Result<void> SqliteFactors::remove_passkey(std::string_view user_id, std::string_view credential_id) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "remove_passkey").change(sql_.remove_passkey, user_id, credential_id);
}

Result<std::int64_t> SqliteFactors::count_passkeys(std::string_view user_id) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "count_passkeys").one(sql_.count_passkeys, sql::read_count, user_id);
}

Result<void> SqliteWebauthnChallenges::create(const WebauthnChallenge& x) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "create_webauthn_challenge")
      .insert(sql_.insert_webauthn_challenge, x.challenge_hash, x.purpose, x.user_id, x.binding, x.expires_at);
}

Result<WebauthnChallenge> SqliteWebauthnChallenges::take(std::string_view challenge_hash, std::string_view purpose,
                                                         UnixSeconds now) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "take_webauthn_challenge")
      .one(sql_.take_webauthn_challenge, sql::read_webauthn_challenge, challenge_hash, purpose, now);
}

Result<std::size_t> SqliteWebauthnChallenges::prune(UnixSeconds before) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  if (auto r = Calls(db, "prune_webauthn_challenges").run(sql_.prune_webauthn_challenges, before); !r)
    return tl::unexpected(r.error());
  return static_cast<std::size_t>(db.changes());
}

Result<void> SqliteMfaChallenges::create(const MfaChallenge& x) {
  Access lock(connections_, Use::write);
  Calls c(lock.db(), "create_mfa_challenge");
  return sql::create_mfa_challenge(c, sql_, x);
}

Result<MfaChallenge> SqliteMfaChallenges::find(std::string_view token_hash) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "find_mfa_challenge").one(sql_.find_mfa_challenge, sql::read_mfa_challenge, token_hash);
}

Result<std::int64_t> SqliteMfaChallenges::count_failure(std::string_view token_hash) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "fail_mfa_challenge").one(sql_.fail_mfa_challenge, sql::read_count, token_hash);
}

Result<bool> SqliteMfaChallenges::consume(std::string_view token_hash, UnixSeconds now, std::int64_t max_failures) {
  Access lock(connections_, Use::write);
  return sql::changed(
      Calls(lock.db(), "consume_mfa_challenge").change(sql_.consume_mfa_challenge, token_hash, now, max_failures));
}

Result<std::size_t> SqliteMfaChallenges::prune(UnixSeconds before) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  if (auto r = Calls(db, "prune_mfa_challenges").run(sql_.prune_mfa_challenges, before); !r)
    return tl::unexpected(r.error());
  return static_cast<std::size_t>(db.changes());
}

}  // namespace latchkey::store::sqlite
