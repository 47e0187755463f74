#pragma once
// MailStore on PostgreSQL (the statements: sql/mail_calls.hpp).
#include "store/mail_store.hpp"
#include "store/postgres/pg_calls.hpp"

namespace latchkey::store::postgres {

class PostgresMail final : public MailStore {
 public:
  explicit PostgresMail(PgPool& pool) : pool_(pool) {}

  Result<void> issue_token(const EmailToken& token, const OutboxMail& mail) override;
  Result<EmailToken> find_token(std::string_view token_hash, std::string_view purpose, UnixSeconds now) override;
  Result<EmailToken> redeem_token(std::string_view token_hash, std::string_view purpose, UnixSeconds now) override;
  Result<User> verify_email(std::string_view token_hash, UnixSeconds now) override;
  Result<std::size_t> prune_tokens(UnixSeconds before) override;
  Result<void> set_notices(const std::vector<std::string>& kinds) override;
  Result<std::vector<OutboxMail>> due(UnixSeconds now, std::size_t limit) override;
  Result<void> sent(std::int64_t id, UnixSeconds now) override;
  Result<void> failed(std::int64_t id, UnixSeconds next_attempt_at, std::string_view error) override;
  Result<void> gave_up(std::int64_t id, UnixSeconds now, std::string_view error) override;
  Result<void> retry(std::int64_t id, UnixSeconds now) override;
  Result<std::vector<OutboxMail>> list(std::size_t limit) override;
  Result<std::int64_t> pending() override;
  Result<std::size_t> prune(UnixSeconds before) override;

 private:
  PgPool& pool_;
  const sql::Statements& sql_ = statements();
};

}  // namespace latchkey::store::postgres
