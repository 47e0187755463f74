#pragma once
// OAuth clients (the apps that send people here to sign in): their id, the
// digests of their secrets, and their registered metadata as JSON (checked
// by oidc/client_metadata.hpp before it gets here; the store does not read
// it). Every call blocks and is safe from any thread.
#include <cstddef>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/result.hpp"

namespace latchkey::store {

class ClientStore {
 public:
  virtual ~ClientStore() = default;

  // conflict when the id is taken.
  virtual Result<void> add(const OAuthClient& client) = 0;
  // not_found when no client has this id.
  virtual Result<OAuthClient> find(std::string_view id) = 0;
  // In id order, after `after` (exclusive), at most `limit`.
  virtual Result<std::vector<OAuthClient>> list(std::string_view after, std::size_t limit) = 0;
  // Replaces everything but the id and created_at; not_found when absent.
  virtual Result<void> update(const OAuthClient& client) = 0;
  // not_found when absent.
  virtual Result<void> remove(std::string_view id) = 0;
};

}  // namespace latchkey::store
