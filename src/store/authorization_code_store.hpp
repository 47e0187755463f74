#pragma once
// One-time authorization codes (RFC 6749 section 4.1.2: a code is used once;
// a second use must fail and SHOULD revoke what the first issued). Codes are
// kept by digest only. Every call blocks and is safe from any thread; the
// single use holds across instances sharing the database.
#include <string_view>

#include "store/records.hpp"
#include "store/result.hpp"

namespace latchkey::store {

class AuthorizationCodeStore {
 public:
  virtual ~AuthorizationCodeStore() = default;

  // conflict when the digest is taken (a random 256-bit code: never in practice).
  virtual Result<void> add(const AuthorizationCode& code) = 0;
  // Marks the code used at `now` (atomically: of two concurrent calls one
  // sees used_at empty) and returns it as it was BEFORE this call: the first
  // redemption finds used_at empty, any later one finds it set (and
  // issued_session_id, once the first has recorded it). not_found when no
  // code has this digest. Expiry is the caller's check.
  virtual Result<AuthorizationCode> redeem(std::string_view code_hash, UnixSeconds now) = 0;
  // Records the oauth session the first redemption opened, so that a replay
  // can end it, and says whether the code has been redeemed again by now:
  // a replay that came between redeem() and this call found no session to
  // end, so the caller ends it (true). not_found when the code is gone.
  virtual Result<bool> set_issued(std::string_view code_hash, std::string_view session_id) = 0;
  // Deletes codes that expired before `before`; returns how many.
  virtual Result<std::int64_t> prune(UnixSeconds before) = 0;
};

}  // namespace latchkey::store
