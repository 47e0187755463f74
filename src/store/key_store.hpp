#pragma once
// Signing keys (with their schedule) and named server secrets. Every call
// blocks and is safe from any thread.
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/result.hpp"

namespace latchkey::store {

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // A named server secret, created with `value` if absent; returns the one
  // that is kept (which may have been created by another process). Reads
  // first, so a read-only database still starts.
  virtual Result<std::string> ensure_secret(std::string_view name, std::string_view value, UnixSeconds now) = 0;

  // Newest not_before first.
  virtual Result<std::vector<StoredKey>> list() = 0;
  // conflict when the kid exists.
  virtual Result<void> add(const StoredKey& key) = 0;
  // Each algorithm's keys are a schedule of their own: the access-token key
  // of JWT_ALG and the RS256 key that ID tokens need (OpenID Connect Core
  // 15.1) rotate independently, and at any time at most one key of each alg
  // signs (the newest not_before that has come and is not retired).
  //
  // "Retires at t" sets retired_at to t on the keys not retired by t (none,
  // or one scheduled later: that one is brought forward).
  //
  // Adds `key` and retires every key of key.alg at key.not_before, in one
  // transaction.
  virtual Result<void> rotate(const StoredKey& key) = 0;
  // Unless a key of key.alg signs at `now`, adds `key` (to sign from now)
  // and retires the other keys of key.alg at `now`. Either way retires at
  // `now` every key whose alg is neither key.alg nor `keep_alg` (JWT_ALG
  // changed: the old algorithm stops signing). One transaction, serialised
  // across processes, so instances starting together on an empty database
  // agree on one key per alg. Returns whether `key` was added.
  virtual Result<bool> install_signer(const StoredKey& key, UnixSeconds now, std::string_view keep_alg) = 0;
};

}  // namespace latchkey::store
