// PostgresStore's administration calls: the user list, disabling and
// deleting users, and the audit trail. Session ends are NOTIFYed like every
// revocation, at commit.
#include "store/postgres/postgres_store.hpp"

namespace latchkey::store::postgres {

namespace {

// BEGIN ... COMMIT around `body` on one pooled connection.
template <class T, class Body>
Result<T> in_transaction(PgPool& pool, Body body) {
  auto conn = pool.acquire();
  if (!conn) return tl::unexpected(conn.error());
  if (auto r = (*conn)->exec("BEGIN"); !r) return tl::unexpected(r.error());
  Result<T> result = body(**conn);
  if (result) {
    if (auto r = (*conn)->exec("COMMIT"); !r) result = tl::unexpected(r.error());
  }
  if (!result) (void)(*conn)->exec("ROLLBACK");
  return result;
}

std::vector<std::string> first_column(const PgResult& r) {
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

// Ends the user's sessions not yet ended, announcing each.
constexpr std::string_view kEndAll =
    "WITH r AS (UPDATE sessions SET revoked_at = $2, revoked_reason = $3 "
    "WHERE user_id = $1 AND revoked_at IS NULL RETURNING id, revoked_at) "
    "SELECT r.id, pg_notify('latchkey_revocations', r.id || ' ' || r.revoked_at) FROM r";

constexpr std::string_view kAuditColumns =
    "id, at, seq, event, actor, COALESCE(user_id, ''), username, username_key, session_id, ip, "
    "user_agent, detail";

std::vector<AuditEvent> events_of(const PgResult& r) {
  std::vector<AuditEvent> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(AuditEvent{r.text(i, 0), r.int64(i, 1), r.int64(i, 2), r.text(i, 3), r.text(i, 4),
                             r.text(i, 5), r.text(i, 6), r.text(i, 7), r.text(i, 8), r.text(i, 9),
                             r.text(i, 10), r.text(i, 11)});
  }
  return out;
}

}  // namespace

Result<std::vector<UserSummary>> PostgresStore::list_users(const UserQuery& q) {
  auto conn = pool_.acquire();
  if (!conn) return tl::unexpected(conn.error());
  auto r = (*conn)->run(
      "list_users",
      "SELECT u.id, u.username, u.password_hash, u.created_at, u.username_key, u.disabled_at, "
      "(SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL "
      "AND s.expires_at > $2 AND s.last_used_at >= $3) "
      "FROM users u WHERE u.username_key > $1 ORDER BY u.username_key LIMIT $4",
      {p(q.after), p(q.now), p(q.idle_since), p(static_cast<std::int64_t>(q.limit))});
  if (!r) return tl::unexpected(r.error());
  std::vector<UserSummary> out;
  for (int i = 0; i < r->rows(); ++i) {
    out.push_back(UserSummary{User{r->text(i, 0), r->text(i, 1), r->text(i, 2), r->int64(i, 3), r->text(i, 4),
                                   r->optional_int64(i, 5)},
                              r->int64(i, 6)});
  }
  return out;
}

Result<std::vector<std::string>> PostgresStore::disable_user(std::string_view user_id, UnixSeconds now) {
  return in_transaction<std::vector<std::string>>(pool_, [&](PgConnection& c) -> Result<std::vector<std::string>> {
    auto marked = c.run("disable_user", "UPDATE users SET disabled_at = COALESCE(disabled_at, $2) WHERE id = $1",
                        {p(user_id), p(now)});
    if (!marked) return tl::unexpected(marked.error());
    if (marked->affected() == 0) return tl::unexpected(StoreError::not_found);
    auto ended = c.run("end_user_sessions", kEndAll, {p(user_id), p(now), p(reason_name(EndReason::user_disabled))});
    if (!ended) return tl::unexpected(ended.error());
    return first_column(*ended);
  });
}

Result<void> PostgresStore::enable_user(std::string_view user_id) {
  auto conn = pool_.acquire();
  if (!conn) return tl::unexpected(conn.error());
  auto r = (*conn)->run("enable_user", "UPDATE users SET disabled_at = NULL WHERE id = $1", {p(user_id)});
  if (!r) return tl::unexpected(r.error());
  if (r->affected() == 0) return tl::unexpected(StoreError::not_found);
  return {};
}

Result<std::vector<std::string>> PostgresStore::delete_user(std::string_view user_id, UnixSeconds now,
                                                            UnixSeconds keep_since) {
  return in_transaction<std::vector<std::string>>(pool_, [&](PgConnection& c) -> Result<std::vector<std::string>> {
    // The user row first: a login in flight (FOR SHARE on it) finishes before.
    auto locked = c.run("lock_user", "SELECT id FROM users WHERE id = $1 FOR UPDATE", {p(user_id)});
    if (!locked) return tl::unexpected(locked.error());
    if (locked->rows() == 0) return tl::unexpected(StoreError::not_found);
    auto ended = c.run("end_user_sessions", kEndAll, {p(user_id), p(now), p(reason_name(EndReason::user_deleted))});
    if (!ended) return tl::unexpected(ended.error());
    // The rows go with the user; their recent revocations must not.
    auto kept = c.run("keep_revocations",
                      "INSERT INTO deleted_session_revocations (id, revoked_at) "
                      "SELECT id, revoked_at FROM sessions WHERE user_id = $1 AND revoked_at >= $2 "
                      "ON CONFLICT (id) DO NOTHING",
                      {p(user_id), p(keep_since)});
    if (!kept) return tl::unexpected(kept.error());
    auto dropped = c.run("delete_user", "DELETE FROM users WHERE id = $1", {p(user_id)});
    if (!dropped) return tl::unexpected(dropped.error());
    return first_column(*ended);
  });
}

Result<void> PostgresStore::insert_audit(PgConnection& c, const std::vector<AuditEvent>& events) {
  for (const AuditEvent& e : events) {
    auto r = c.run("insert_audit",
                   "INSERT INTO audit_events (id, at, seq, event, actor, user_id, username, username_key, "
                   "session_id, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                   {p(e.id), p(e.at), p(e.seq), p(e.event), p(e.actor), e.user_id.empty() ? Param{} : p(e.user_id),
                    p(e.username), p(e.username_key), p(e.session_id), p(e.ip), p(e.user_agent),
                    p(e.detail.empty() ? std::string_view("{}") : std::string_view(e.detail))});
    if (!r) return tl::unexpected(r.error());
  }
  return {};
}

Result<std::vector<AuditEvent>> PostgresStore::export_audit(PgConnection& c) {
  auto r = c.run("export_audit", std::string("SELECT ").append(kAuditColumns).append(" FROM audit_events"), {});
  if (!r) return tl::unexpected(r.error());
  return events_of(*r);
}

Result<void> PostgresStore::append_audit(const std::vector<AuditEvent>& events) {
  if (events.empty()) return {};
  return in_transaction<void>(pool_, [&](PgConnection& c) { return insert_audit(c, events); });
}

Result<std::vector<AuditEvent>> PostgresStore::list_audit(const AuditQuery& q) {
  auto conn = pool_.acquire();
  if (!conn) return tl::unexpected(conn.error());
  const std::string order = " (at, seq) < ($2, $3) ORDER BY at DESC, seq DESC, id DESC LIMIT $4";
  const std::string head = std::string("SELECT ").append(kAuditColumns).append(" FROM audit_events WHERE ");
  const std::int64_t at = q.before ? q.before->first : INT64_MAX;
  const std::int64_t seq = q.before ? q.before->second : INT64_MAX;
  auto r = q.username_key
               ? (*conn)->run("list_audit_user", head + "username_key = $1 AND" + order,
                              {p(*q.username_key), p(at), p(seq), p(static_cast<std::int64_t>(q.limit))})
               : (*conn)->run("list_audit_all", head + "$1::text IS NULL AND" + order,
                              {Param{}, p(at), p(seq), p(static_cast<std::int64_t>(q.limit))});
  if (!r) return tl::unexpected(r.error());
  return events_of(*r);
}

Result<std::size_t> PostgresStore::prune(UnixSeconds audit_before, UnixSeconds revocations_before,
                                         std::size_t max_events) {
  auto conn = pool_.acquire();
  if (!conn) return tl::unexpected(conn.error());
  auto r = (*conn)->run("prune_audit",
                        "DELETE FROM audit_events WHERE id IN "
                        "(SELECT id FROM audit_events WHERE at < $1 LIMIT $2)",
                        {p(audit_before), p(static_cast<std::int64_t>(max_events))});
  if (!r) return tl::unexpected(r.error());
  auto kept = (*conn)->run("prune_revocations", "DELETE FROM deleted_session_revocations WHERE revoked_at < $1",
                           {p(revocations_before)});
  if (!kept) return tl::unexpected(kept.error());
  return static_cast<std::size_t>(r->affected());
}

}  // namespace latchkey::store::postgres
