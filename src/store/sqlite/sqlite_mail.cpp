#include "store/sqlite/sqlite_mail.hpp"

#include "store/sql/mail_calls.hpp"
#include "store/sqlite/statement_results.hpp"

namespace latchkey::store::sqlite {

using Access = Connections::Access;

Result<void> SqliteMail::issue_token(const EmailToken& token, const OutboxMail& mail) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Calls c(db, "issue_email_token");
  return in_transaction<void>(db, "issue_email_token", [&] { return sql::issue_email_token(c, sql_, token, mail); });
}

Result<EmailToken> SqliteMail::find_token(std::string_view token_hash, std::string_view purpose, UnixSeconds now) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "find_email_token").one(sql_.find_email_token, sql::read_email_token, token_hash, purpose, now);
}

Result<EmailToken> SqliteMail::redeem_token(std::string_view token_hash, std::string_view purpose, UnixSeconds now) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "redeem_email_token")
      .one(sql_.redeem_email_token, sql::read_email_token, token_hash, purpose, now);
}

Result<User> SqliteMail::verify_email(std::string_view token_hash, UnixSeconds now) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Calls c(db, "verify_email");
  return in_transaction<User>(db, "verify_email", [&] { return sql::verify_email(c, sql_, token_hash, now); });
}

Result<std::size_t> SqliteMail::prune_tokens(UnixSeconds before) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  if (auto r = Calls(db, "prune_email_tokens").run(sql_.prune_email_tokens, before); !r)
    return tl::unexpected(r.error());
  return static_cast<std::size_t>(db.changes());
}

Result<void> SqliteMail::set_notices(const std::vector<std::string>& kinds) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  Calls c(db, "set_notices");
  return in_transaction<void>(db, "set_notices", [&] { return sql::set_notices(c, sql_, kinds); });
}

Result<std::vector<OutboxMail>> SqliteMail::due(UnixSeconds now, std::size_t limit) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "due_mail").all(sql_.due_mail, sql::read_mail, now, static_cast<std::int64_t>(limit));
}

Result<void> SqliteMail::sent(std::int64_t id, UnixSeconds now) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "mail_sent").change(sql_.mail_sent, id, now);
}

Result<void> SqliteMail::failed(std::int64_t id, UnixSeconds next_attempt_at, std::string_view error) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "mail_failed").change(sql_.mail_failed, id, next_attempt_at, error);
}

Result<void> SqliteMail::gave_up(std::int64_t id, UnixSeconds now, std::string_view error) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "mail_gave_up").change(sql_.mail_gave_up, id, now, error);
}

Result<void> SqliteMail::retry(std::int64_t id, UnixSeconds now) {
  Access lock(connections_, Use::write);
  return Calls(lock.db(), "retry_mail").change(sql_.retry_mail, id, now);
}

Result<std::vector<OutboxMail>> SqliteMail::list(std::size_t limit) {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "list_mail").all(sql_.list_mail, sql::read_mail, static_cast<std::int64_t>(limit));
}

Result<std::int64_t> SqliteMail::pending() {
  Access lock(connections_, Use::read);
  return Calls(lock.db(), "count_pending_mail").one(sql_.count_pending_mail, sql::read_count);
}

Result<std::size_t> SqliteMail::prune(UnixSeconds before) {
  Access lock(connections_, Use::write);
  Db& db = lock.db();
  if (auto r = Calls(db, "prune_mail").run(sql_.prune_mail, before); !r) return tl::unexpected(r.error());
  return static_cast<std::size_t>(db.changes());
}

}  // namespace latchkey::store::sqlite
