#pragma once
// What every job that issues or checks tokens shares, owned by none of them:
// the signing keys in force, the sessions ended recently (whose access
// tokens must be refused until they expire), and the cache of verified
// access tokens. A login, a refresh, a later token endpoint and the bearer
// check all see the same three.
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/revocation_set.hpp"
#include "store/database.hpp"
#include "token/keyset.hpp"
#include "token/verified_cache.hpp"
#include "util/time.hpp"

namespace latchkey::auth {

class TokenState {
 public:
  // `lifetime`: how long an access token can outlive the end of its session
  // (its TTL plus the clock leeway), which is how long a revocation is held.
  // Throws std::invalid_argument without a signing key (start-up only).
  TokenState(token::KeySet keys, UnixSeconds lifetime, std::size_t cache_size, UnixSeconds leeway);

  // The keys in force; swapped whole when keys rotate. Any thread.
  std::shared_ptr<const token::KeySet> keys() const { return keys_.load(); }
  // A key that leaves the set takes its verified tokens with it.
  void set_keys(token::KeySet keys);

  // Revocations: a session ended here (held once `db` commits the write
  // that ended it) or by another process (at once).
  void revoked_after_commit(store::Database& db, std::string session_id, UnixSeconds now);
  void revoked_after_commit(store::Database& db, const std::vector<std::string>& session_ids, UnixSeconds now);
  void note_revoked(std::string_view session_id, UnixSeconds revoked_at);
  bool is_revoked(std::string_view session_id) const { return revoked_.contains(session_id); }
  std::size_t revoked_count() const { return revoked_.size(); }

  token::VerifiedCache& verified() { return verified_; }
  std::size_t verified_cache_size() const { return verified_.size(); }

 private:
  std::atomic<std::shared_ptr<const token::KeySet>> keys_;
  UnixSeconds lifetime_;
  RevocationSet revoked_;
  token::VerifiedCache verified_;
};

}  // namespace latchkey::auth
