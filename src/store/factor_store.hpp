#pragma once
// A user's second factors: one TOTP authenticator, a set of recovery
// codes, and passkeys. Only sealed secrets and digests are
// stored. Each accepting call is one conditional write, so a code is taken
// once even when instances race for it. Every call blocks and is safe from
// any thread; deleting the user deletes its factors.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/result.hpp"

namespace latchkey::store {

class FactorStore {
 public:
  virtual ~FactorStore() = default;

  // Stores a new, unconfirmed authenticator (created_at, sealed_secret; the
  // rest is ignored), replacing one not yet confirmed. conflict when a
  // confirmed one exists; not_found when the user does not.
  virtual Result<void> put_pending_totp(const TotpFactor& factor) = 0;
  // not_found when the user has none (confirmed or not).
  virtual Result<TotpFactor> find_totp(std::string_view user_id) = 0;
  // Confirms the pending authenticator with the code of `step`: true when it
  // was unconfirmed and `step` is later than its last step (which becomes
  // `step`), false otherwise (already confirmed, or the step was used).
  // not_found when there is none.
  virtual Result<bool> confirm_totp(std::string_view user_id, std::int64_t step, UnixSeconds now) = 0;
  // Accepts a code of `step` from a confirmed authenticator: true when `step`
  // is later than the last accepted one (which becomes `step`), false
  // otherwise, and when the authenticator is unconfirmed or gone.
  virtual Result<bool> use_totp_step(std::string_view user_id, std::int64_t step) = 0;
  // not_found when there was none.
  virtual Result<void> remove_totp(std::string_view user_id) = 0;

  // Replaces the user's recovery codes with these digests, all at once: the
  // old ones stop working in the same write. not_found when the user does not exist.
  virtual Result<void> replace_recovery_codes(std::string_view user_id, const std::vector<std::string>& digests,
                                              UnixSeconds now) = 0;
  // Spends the code with this digest: true when it was the user's and
  // unused; false otherwise.
  virtual Result<bool> use_recovery_code(std::string_view user_id, std::string_view digest, UnixSeconds now) = 0;
  // How many unused codes the user has left.
  virtual Result<std::int64_t> unused_recovery_codes(std::string_view user_id) = 0;

  // Passkeys. add: conflict when the credential id is taken (by anyone);
  // not_found when the user does not exist.
  virtual Result<void> add_passkey(const Passkey& passkey) = 0;
  // not_found when unknown.
  virtual Result<Passkey> find_passkey(std::string_view credential_id) = 0;
  // The user's, oldest first.
  virtual Result<std::vector<Passkey>> list_passkeys(std::string_view user_id) = 0;
  // A verified assertion: true when the counter rule holds against the
  // stored count (webauthn::counter_ok), which then becomes `sign_count`
  // with last_used_at `now`; false otherwise (a cloned authenticator?), or
  // when the passkey is gone. One conditional write.
  virtual Result<bool> use_passkey(std::string_view credential_id, std::int64_t sign_count, UnixSeconds now) = 0;
  // not_found when the user has no such passkey.
  virtual Result<void> rename_passkey(std::string_view user_id, std::string_view credential_id,
                                      std::string_view name) = 0;
  virtual Result<void> remove_passkey(std::string_view user_id, std::string_view credential_id) = 0;
  virtual Result<std::int64_t> count_passkeys(std::string_view user_id) = 0;

  // Removes every factor of the user (an administrator's reset), in one
  // write: the number of factors removed (the authenticator counts one, the
  // recovery codes one, each passkey one).
  virtual Result<std::int64_t> remove_all(std::string_view user_id) = 0;

  // What the user has, from find_totp and unused_recovery_codes.
  Result<FactorSummary> summary(std::string_view user_id) {
    FactorSummary s;
    auto totp = find_totp(user_id);
    if (totp) {
      s.totp = totp->confirmed_at.has_value();
      s.totp_pending = !s.totp;
    } else if (totp.error() != StoreError::not_found) {
      return tl::unexpected(totp.error());
    }
    auto codes = unused_recovery_codes(user_id);
    if (!codes) return tl::unexpected(codes.error());
    s.recovery_codes = *codes;
    auto passkeys = count_passkeys(user_id);
    if (!passkeys) return tl::unexpected(passkeys.error());
    s.passkeys = *passkeys;
    return s;
  }
};

}  // namespace latchkey::store
