#pragma once
// The second-factor settings, from the configuration (config/config.cpp).
#include <optional>
#include <string>

#include "crypto/aead.hpp"
#include "mfa/passkeys.hpp"
#include "util/time.hpp"

namespace latchkey::mfa {

struct Options {
  // DATA_ENCRYPTION_KEY: seals TOTP secrets. Without it TOTP cannot be set
  // up (said at start and by the endpoints); recovery codes need no key.
  std::optional<crypto::SealingKey> sealing_key;
  // The name authenticator apps show beside the account (the otpauth issuer).
  std::string issuer_name = "latchkey";
  // How long the second step of a sign-in may wait for its code.
  UnixSeconds challenge_ttl = 300;
  // Wrong codes a sign-in step takes before it is spent (the 5).
  std::int64_t max_code_failures = 5;
  // Passkeys: the relying party, or why they are off.
  PasskeyOptions passkeys;
};

}  // namespace latchkey::mfa
