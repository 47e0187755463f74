#pragma once
// Client assertions already used (private_key_jwt, RFC 7523 section 3 item
// 7: the server may refuse a `jti` it has seen): kept until they expire.
// Every call blocks and is safe from any thread; single use holds across
// instances sharing the database.
#include <string_view>

#include "store/result.hpp"
#include "util/time.hpp"

namespace latchkey::store {

class AssertionStore {
 public:
  virtual ~AssertionStore() = default;

  // true the first time `key` (the client id and the jti, digested by the
  // caller) is seen; false when it was seen before and has not been pruned
  // (an entry is kept at least until its expires_at: prune forgets expired
  // ones, and only then may the key be used again). Of concurrent calls with
  // one key, exactly one gets true.
  virtual Result<bool> first_use(std::string_view key, UnixSeconds expires_at) = 0;
  // Forgets entries that expired before `before`.
  virtual Result<std::int64_t> prune(UnixSeconds before) = 0;
};

}  // namespace latchkey::store
