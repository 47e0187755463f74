#pragma once
// Which second factors a user has, as the account page, the admin API and
// the sign-in step see them.
#include <cstdint>
#include <string>
#include <vector>

namespace latchkey::mfa {

struct FactorStatus {
  bool totp = false;          // a confirmed authenticator
  bool totp_pending = false;  // set up, not yet confirmed by a code
  std::int64_t recovery_codes = 0;  // unused ones left

  // A second factor is required at sign-in: an authenticator is on.
  // Recovery codes alone do not turn it on; they stand in for one.
  bool required() const { return totp; }
  // What the sign-in step accepts, in the order offered.
  std::vector<std::string> methods() const {
    std::vector<std::string> out;
    if (totp) out.emplace_back("totp");
    if (recovery_codes > 0) out.emplace_back("recovery_code");
    return out;
  }
};

}  // namespace latchkey::mfa
