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
  // Adds `key` and retires every key not yet retired at key.not_before, in
  // one transaction.
  virtual Result<void> rotate(const StoredKey& key) = 0;
  // Makes `key` the signer at `now` (as rotate) unless the key that signs at
  // `now` already has key.alg; serialised across processes, so instances
  // starting together on an empty database agree on one key. Returns whether
  // `key` was added.
  virtual Result<bool> install_signer(const StoredKey& key, UnixSeconds now) = 0;
};

}  // namespace latchkey::store
