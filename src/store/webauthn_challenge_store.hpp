#pragma once
// The WebAuthn challenges this server issued (mfa/passkeys.hpp): random,
// stored as digests, single use, expiring in 5 minutes. Every call blocks
// and is safe from any thread.
#include <string_view>

#include "store/records.hpp"
#include "store/result.hpp"

namespace latchkey::store {

class WebauthnChallengeStore {
 public:
  virtual ~WebauthnChallengeStore() = default;

  // conflict when the digest exists.
  virtual Result<void> create(const WebauthnChallenge& challenge) = 0;
  // Spends it: the challenge when it was issued for `purpose`, is unused and
  // unexpired at `now`; not_found otherwise. Exactly one caller gets it.
  virtual Result<WebauthnChallenge> take(std::string_view challenge_hash, std::string_view purpose, UnixSeconds now) = 0;
  // Deletes those that expired before `before`; how many.
  virtual Result<std::size_t> prune(UnixSeconds before) = 0;
};

}  // namespace latchkey::store
