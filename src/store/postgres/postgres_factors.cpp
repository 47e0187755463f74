#include "store/postgres/postgres_factors.hpp"

#include "store/sql/factor_calls.hpp"

namespace latchkey::store::postgres {

Result<void> PostgresFactors::put_pending_totp(const TotpFactor& f) {
  return with_connection(pool_, [&](PgCalls& c) { return sql::put_pending_totp(c, sql_, f); });
}

Result<TotpFactor> PostgresFactors::find_totp(std::string_view user_id) {
  return with_connection(pool_, [&](PgCalls& c) { return sql::find_totp(c, sql_, user_id); });
}

Result<bool> PostgresFactors::confirm_totp(std::string_view user_id, std::int64_t step, UnixSeconds now) {
  return with_connection(pool_, [&](PgCalls& c) { return sql::confirm_totp(c, sql_, user_id, step, now); });
}

Result<bool> PostgresFactors::use_totp_step(std::string_view user_id, std::int64_t step) {
  return with_connection(pool_, [&](PgCalls& c) { return sql::use_totp_step(c, sql_, user_id, step); });
}

Result<void> PostgresFactors::remove_totp(std::string_view user_id) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.remove_totp, user_id); });
}

Result<void> PostgresFactors::replace_recovery_codes(std::string_view user_id, const std::vector<std::string>& digests,
                                                     UnixSeconds now) {
  return in_transaction<void>(pool_,
                              [&](PgCalls& c) { return sql::replace_recovery_codes(c, sql_, user_id, digests, now); });
}

Result<bool> PostgresFactors::use_recovery_code(std::string_view user_id, std::string_view digest, UnixSeconds now) {
  return with_connection(pool_, [&](PgCalls& c) { return sql::use_recovery_code(c, sql_, user_id, digest, now); });
}

Result<std::int64_t> PostgresFactors::unused_recovery_codes(std::string_view user_id) {
  return with_connection(pool_, [&](PgCalls& c) { return sql::unused_recovery_codes(c, sql_, user_id); });
}

Result<std::int64_t> PostgresFactors::remove_all(std::string_view user_id) {
  return in_transaction<std::int64_t>(pool_, [&](PgCalls& c) { return sql::remove_all_factors(c, sql_, user_id); });
}

Result<void> PostgresFactors::add_passkey(const Passkey& passkey) {
  return with_connection(pool_, [&](PgCalls& c) { return sql::add_passkey(c, sql_, passkey); });
}

Result<Passkey> PostgresFactors::find_passkey(std::string_view credential_id) {
  return with_connection(pool_, [&](PgCalls& c) { return c.one(sql_.find_passkey, sql::read_passkey, credential_id); });
}

Result<std::vector<Passkey>> PostgresFactors::list_passkeys(std::string_view user_id) {
  return with_connection(pool_, [&](PgCalls& c) { return c.all(sql_.list_passkeys, sql::read_passkey, user_id); });
}

Result<bool> PostgresFactors::use_passkey(std::string_view credential_id, std::int64_t sign_count, UnixSeconds now) {
  return with_connection(
      pool_, [&](PgCalls& c) { return sql::changed(c.change(sql_.use_passkey, credential_id, sign_count, now)); });
}

Result<void> PostgresFactors::rename_passkey(std::string_view user_id, std::string_view credential_id,
                                             std::string_view name) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.rename_passkey, user_id, credential_id, name); });
}

Result<void> PostgresFactors::remove_passkey(std::string_view user_id, std::string_view credential_id) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.remove_passkey, user_id, credential_id); });
}

Result<std::int64_t> PostgresFactors::count_passkeys(std::string_view user_id) {
  return with_connection(pool_, [&](PgCalls& c) { return c.one(sql_.count_passkeys, sql::read_count, user_id); });
}

Result<void> PostgresWebauthnChallenges::create(const WebauthnChallenge& x) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.insert(sql_.insert_webauthn_challenge, x.challenge_hash, x.purpose, x.user_id, x.binding, x.expires_at);
  });
}

Result<WebauthnChallenge> PostgresWebauthnChallenges::take(std::string_view challenge_hash, std::string_view purpose,
                                                           UnixSeconds now) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.one(sql_.take_webauthn_challenge, sql::read_webauthn_challenge, challenge_hash, purpose, now);
  });
}

Result<std::size_t> PostgresWebauthnChallenges::prune(UnixSeconds before) {
  return with_connection(pool_, [&](PgCalls& c) -> Result<std::size_t> {
    auto r = c.query(sql_.prune_webauthn_challenges, before);
    if (!r) return tl::unexpected(r.error());
    return static_cast<std::size_t>(r->affected());
  });
}

Result<void> PostgresMfaChallenges::create(const MfaChallenge& x) {
  return with_connection(pool_, [&](PgCalls& c) { return sql::create_mfa_challenge(c, sql_, x); });
}

Result<MfaChallenge> PostgresMfaChallenges::find(std::string_view token_hash) {
  return with_connection(pool_,
                         [&](PgCalls& c) { return c.one(sql_.find_mfa_challenge, sql::read_mfa_challenge, token_hash); });
}

Result<std::int64_t> PostgresMfaChallenges::count_failure(std::string_view token_hash) {
  return with_connection(pool_, [&](PgCalls& c) { return c.one(sql_.fail_mfa_challenge, sql::read_count, token_hash); });
}

Result<bool> PostgresMfaChallenges::consume(std::string_view token_hash, UnixSeconds now, std::int64_t max_failures) {
  return with_connection(pool_, [&](PgCalls& c) {
    return sql::changed(c.change(sql_.consume_mfa_challenge, token_hash, now, max_failures));
  });
}

Result<std::size_t> PostgresMfaChallenges::prune(UnixSeconds before) {
  return with_connection(pool_, [&](PgCalls& c) -> Result<std::size_t> {
    auto r = c.query(sql_.prune_mfa_challenges, before);
    if (!r) return tl::unexpected(r.error());
    return static_cast<std::size_t>(r->affected());
  });
}

}  // namespace latchkey::store::postgres
