#pragma once
// Which second factors a user has, as the account page, the admin API and
// the sign-in step see them.
#include <cstdint>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace latchkey::mfa {

struct FactorStatus : store::FactorSummary {

  // A second factor is required at sign-in: an authenticator app or a
  // passkey is set up. Recovery codes alone do not turn it on; they stand in
  // for one.
  bool required() const { return totp || passkeys > 0; }
  // What the sign-in step accepts, in the order offered.
  std::vector<std::string> methods() const {
    std::vector<std::string> out;
    if (passkeys > 0) out.emplace_back("passkey");
    if (totp) out.emplace_back("totp");
    if (recovery_codes > 0) out.emplace_back("recovery_code");
    return out;
  }
};

}  // namespace latchkey::mfa
