#pragma once
// What each user let each client do (OpenID Connect Core 3.1.2.4: consent
// may be remembered). One row per (user, client) holding the union of the
// scopes granted. Every call blocks and is safe from any thread.
#include <optional>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/result.hpp"

namespace latchkey::store {

class ConsentStore {
 public:
  virtual ~ConsentStore() = default;

  // Inserts or replaces the (user, client) row with `consent` (the caller
  // passes the union it wants kept). not_found when the user or the client
  // is gone.
  virtual Result<void> grant(const Consent& consent) = 0;
  // not_found when this user never consented to this client (or revoked it).
  virtual Result<Consent> find(std::string_view user_id, std::string_view client_id) = 0;
  // The user's consents, newest (granted_at) first. Deleting the user or the
  // client deletes its consents.
  virtual Result<std::vector<Consent>> list_for_user(std::string_view user_id) = 0;
  // not_found when there was none.
  virtual Result<void> revoke(std::string_view user_id, std::string_view client_id) = 0;
};

}  // namespace latchkey::store
