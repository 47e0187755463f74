#pragma once
// Back-channel logout (OpenID Connect Back-Channel Logout 1.0): which
// clients received tokens in which browser session, and the durable queue
// of logout tokens to deliver to them.
//
// The queue is filled BY THE DATABASE in the same transaction that ends a
// browser session, whatever ends it (logout, logout_all, a password change,
// an administrator, reuse detection, a deleted or disabled account): a
// trigger on sessions.revoked_at inserts one delivery per noted client with
// a logout URI. The same trigger ends the session's children (oauth
// sessions whose parent_id it is) with end_reason "sso_logout", announced on
// PostgreSQL like any revocation. So no code path can forget either, a
// crash cannot lose one, and a rolled-back end queues nothing. A child ended
// by the same statement as its parent (revoke_all_of, disable, delete) keeps
// that statement's reason. Deleting a user ends its sessions first, so its
// deliveries are queued; they outlive the user's rows.
//
// Every call blocks and is safe from any thread.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/result.hpp"

namespace latchkey::store {

class LogoutStore {
 public:
  virtual ~LogoutStore() = default;

  // Notes that `client_id` received tokens in browser session `session_id`;
  // an empty `logout_uri` notes nothing to deliver. Idempotent (the latest
  // URI wins). not_found when the session is gone. Note it while the session
  // is live: one ended already queued its deliveries.
  virtual Result<void> note_client(std::string_view session_id, std::string_view client_id,
                                   std::string_view logout_uri) = 0;
  // Up to `limit` deliveries not delivered, not given up, and due at `now`
  // (next_attempt_at <= now), oldest (first queued) first. Two instances may both take one:
  // delivery is at least once (the receiver de-duplicates by jti/sid).
  virtual Result<std::vector<LogoutDelivery>> due(UnixSeconds now, std::size_t limit) = 0;
  // Each of the three below counts one attempt (attempts + 1); not_found
  // when no delivery has this id (pruned). Delivered at `now` (a second
  // report keeps the first time).
  virtual Result<void> delivered(std::int64_t id, UnixSeconds now) = 0;
  // One more failed attempt; tried again at `next_attempt_at`.
  virtual Result<void> failed(std::int64_t id, UnixSeconds next_attempt_at, std::string_view error) = 0;
  // The last attempt failed: no more tries.
  virtual Result<void> gave_up(std::int64_t id, UnixSeconds now, std::string_view error) = 0;
  // Every delivery, newest first, at most `limit` (for administrators and tests).
  virtual Result<std::vector<LogoutDelivery>> list(std::size_t limit) = 0;
  // Deletes finished (delivered or given up) deliveries that finished before
  // `before`; returns how many.
  virtual Result<std::int64_t> prune(UnixSeconds before) = 0;
};

}  // namespace latchkey::store
