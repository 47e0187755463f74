#include "store/postgres/postgres_mail.hpp"

#include "store/sql/mail_calls.hpp"

namespace latchkey::store::postgres {

Result<void> PostgresMail::issue_token(const EmailToken& token, const OutboxMail& mail) {
  return in_transaction<void>(pool_, [&](PgCalls& c) { return sql::issue_email_token(c, sql_, token, mail); });
}

Result<EmailToken> PostgresMail::find_token(std::string_view token_hash, std::string_view purpose, UnixSeconds now) {
  return with_connection(
      pool_, [&](PgCalls& c) { return c.one(sql_.find_email_token, sql::read_email_token, token_hash, purpose, now); });
}

Result<EmailToken> PostgresMail::redeem_token(std::string_view token_hash, std::string_view purpose, UnixSeconds now) {
  return with_connection(pool_, [&](PgCalls& c) {
    return c.one(sql_.redeem_email_token, sql::read_email_token, token_hash, purpose, now);
  });
}

Result<User> PostgresMail::verify_email(std::string_view token_hash, UnixSeconds now) {
  return in_transaction<User>(pool_, [&](PgCalls& c) { return sql::verify_email(c, sql_, token_hash, now); });
}

Result<std::size_t> PostgresMail::prune_tokens(UnixSeconds before) {
  return with_connection(pool_, [&](PgCalls& c) -> Result<std::size_t> {
    auto r = c.query(sql_.prune_email_tokens, before);
    if (!r) return tl::unexpected(r.error());
    return static_cast<std::size_t>(r->affected());
  });
}

Result<void> PostgresMail::set_notices(const std::vector<std::string>& kinds) {
  return in_transaction<void>(pool_, [&](PgCalls& c) { return sql::set_notices(c, sql_, kinds); });
}

Result<std::vector<OutboxMail>> PostgresMail::due(UnixSeconds now, std::size_t limit) {
  return with_connection(
      pool_, [&](PgCalls& c) { return c.all(sql_.due_mail, sql::read_mail, now, static_cast<std::int64_t>(limit)); });
}

Result<void> PostgresMail::sent(std::int64_t id, UnixSeconds now) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.mail_sent, id, now); });
}

Result<void> PostgresMail::failed(std::int64_t id, UnixSeconds next_attempt_at, std::string_view error) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.mail_failed, id, next_attempt_at, error); });
}

Result<void> PostgresMail::gave_up(std::int64_t id, UnixSeconds now, std::string_view error) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.mail_gave_up, id, now, error); });
}

Result<void> PostgresMail::retry(std::int64_t id, UnixSeconds now) {
  return with_connection(pool_, [&](PgCalls& c) { return c.change(sql_.retry_mail, id, now); });
}

Result<std::vector<OutboxMail>> PostgresMail::list(std::size_t limit) {
  return with_connection(
      pool_, [&](PgCalls& c) { return c.all(sql_.list_mail, sql::read_mail, static_cast<std::int64_t>(limit)); });
}

Result<std::int64_t> PostgresMail::pending() {
  return with_connection(pool_, [&](PgCalls& c) { return c.one(sql_.count_pending_mail, sql::read_count); });
}

Result<std::size_t> PostgresMail::prune(UnixSeconds before) {
  return with_connection(pool_, [&](PgCalls& c) -> Result<std::size_t> {
    auto r = c.query(sql_.prune_mail, before);
    if (!r) return tl::unexpected(r.error());
    return static_cast<std::size_t>(r->affected());
  });
}

}  // namespace latchkey::store::postgres
