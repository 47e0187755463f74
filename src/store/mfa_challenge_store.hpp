#pragma once
// The sign-in challenges between a right password and a second factor
// (mfa/challenges.hpp). Stored by the digest of their token only. Every call
// blocks and is safe from any thread; deleting the user deletes them.
#include <cstdint>
#include <string_view>

#include "store/records.hpp"
#include "store/result.hpp"

namespace latchkey::store {

class MfaChallengeStore {
 public:
  virtual ~MfaChallengeStore() = default;

  // conflict when the digest exists; not_found when the user does not.
  virtual Result<void> create(const MfaChallenge& challenge) = 0;
  // not_found when unknown (or pruned).
  virtual Result<MfaChallenge> find(std::string_view token_hash) = 0;
  // Counts a wrong code: the failures after it. not_found when unknown or
  // already used.
  virtual Result<std::int64_t> count_failure(std::string_view token_hash) = 0;
  // Spends it: true when it was unused, unexpired at `now` and had fewer than
  // `max_failures` failures; false otherwise. Exactly one caller gets true.
  virtual Result<bool> consume(std::string_view token_hash, UnixSeconds now, std::int64_t max_failures) = 0;
  // Deletes those that expired before `before`; how many.
  virtual Result<std::size_t> prune(UnixSeconds before) = 0;
};

}  // namespace latchkey::store
