#pragma once
// Recovery codes: ten single-use codes shown once, for the day the phone is
// lost. Each is 15 random bytes (120 bits, over the 112 ASVS 6.6.x asks for),
// written as 24 base32 letters and digits in groups of four; only digests
// are stored (SHA-256: a 120-bit secret needs no slow hash).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::mfa {

inline constexpr std::size_t kRecoveryCodeCount = 10;

struct RecoveryCodes {
  std::vector<std::string> shown;    // to the person, once: "abcd-efgh-..."
  std::vector<std::string> digests;  // to the store
};

RecoveryCodes new_recovery_codes();

// The stored digest of a code as typed: case, spaces and hyphens do not
// matter. nullopt when it cannot be a code of ours (wrong length or letters).
std::optional<std::string> recovery_code_digest(std::string_view typed);

}  // namespace latchkey::mfa
