#pragma once
// FactorStore, MfaChallengeStore and WebauthnChallengeStore on PostgreSQL (the statements:
// sql/factor_calls.hpp).
#include "store/factor_store.hpp"
#include "store/mfa_challenge_store.hpp"
#include "store/webauthn_challenge_store.hpp"
#include "store/postgres/pg_calls.hpp"

namespace latchkey::store::postgres {

class PostgresFactors final : public FactorStore {
 public:
  explicit PostgresFactors(PgPool& pool) : pool_(pool) {}

  Result<void> put_pending_totp(const TotpFactor& factor) override;
  Result<TotpFactor> find_totp(std::string_view user_id) override;
  Result<bool> confirm_totp(std::string_view user_id, std::int64_t step, UnixSeconds now) override;
  Result<bool> use_totp_step(std::string_view user_id, std::int64_t step) override;
  Result<void> remove_totp(std::string_view user_id) override;
  Result<void> replace_recovery_codes(std::string_view user_id, const std::vector<std::string>& digests,
                                      UnixSeconds now) override;
  Result<bool> use_recovery_code(std::string_view user_id, std::string_view digest, UnixSeconds now) override;
  Result<std::int64_t> unused_recovery_codes(std::string_view user_id) override;
  Result<void> add_passkey(const Passkey& passkey) override;
  Result<Passkey> find_passkey(std::string_view credential_id) override;
  Result<std::vector<Passkey>> list_passkeys(std::string_view user_id) override;
  Result<bool> use_passkey(std::string_view credential_id, std::int64_t sign_count, UnixSeconds now) override;
  Result<void> rename_passkey(std::string_view user_id, std::string_view credential_id, std::string_view name) override;
  Result<void> remove_passkey(std::string_view user_id, std::string_view credential_id) override;
  Result<std::int64_t> count_passkeys(std::string_view user_id) override;
  Result<std::int64_t> remove_all(std::string_view user_id) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

class PostgresMfaChallenges final : public MfaChallengeStore {
 public:
  explicit PostgresMfaChallenges(PgPool& pool) : pool_(pool) {}

  Result<void> create(const MfaChallenge& challenge) override;
  Result<MfaChallenge> find(std::string_view token_hash) override;
  Result<std::int64_t> count_failure(std::string_view token_hash) override;
  Result<bool> consume(std::string_view token_hash, UnixSeconds now, std::int64_t max_failures) override;
  Result<std::size_t> prune(UnixSeconds before) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

class PostgresWebauthnChallenges final : public WebauthnChallengeStore {
 public:
  explicit PostgresWebauthnChallenges(PgPool& pool) : pool_(pool) {}

  Result<void> create(const WebauthnChallenge& challenge) override;
  Result<WebauthnChallenge> take(std::string_view challenge_hash, std::string_view purpose, UnixSeconds now) override;
  Result<std::size_t> prune(UnixSeconds before) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::postgres
