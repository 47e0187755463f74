#pragma once
// What administration needs beyond the request path: listing accounts with
// their session counts, and the changes to an account that end its sessions
// in the same transaction. Every call blocks and is safe from any thread.
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/result.hpp"

namespace latchkey::store {

class AdminQueries {
 public:
  virtual ~AdminQueries() = default;

  // A page of users in username_key order (see UserQuery).
  virtual Result<std::vector<UserSummary>> list_users(const UserQuery& query) = 0;
  // Sets disabled_at and ends every live session of the user, in one
  // transaction (announced like any revocation); returns the ended ids.
  // not_found for an unknown user. Disabling a disabled user keeps the first time.
  virtual Result<std::vector<std::string>> disable_user(std::string_view user_id, UnixSeconds now) = 0;
  // Clears disabled_at; not_found for an unknown user.
  virtual Result<void> enable_user(std::string_view user_id) = 0;
  // Ends every session of the user and removes it with its sessions, in one
  // transaction; returns the ended ids. The revocations of its sessions
  // revoked at or after `keep_revocations_since` stay visible to
  // SessionStore::list_revoked_since (access tokens outlive their session's row).
  virtual Result<std::vector<std::string>> delete_user(std::string_view user_id, UnixSeconds now,
                                                       UnixSeconds keep_revocations_since) = 0;
};

}  // namespace latchkey::store
