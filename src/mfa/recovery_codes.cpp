#include "mfa/recovery_codes.hpp"

#include <cctype>

#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "mfa/base32.hpp"

namespace latchkey::mfa {

namespace {

constexpr std::size_t kCodeBytes = 15, kCodeChars = 24, kGroup = 4;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

RecoveryCodes new_recovery_codes() {
  RecoveryCodes out;
  for (std::size_t i = 0; i < kRecoveryCodeCount; ++i) {
    const std::string code = lower(base32_encode(crypto::random_bytes(kCodeBytes)));
    out.digests.push_back(crypto::token_digest(code));
    out.shown.push_back(grouped(code, kGroup, '-'));
  }
  return out;
}

std::optional<std::string> recovery_code_digest(std::string_view typed) {
  if (typed.size() > 64) return std::nullopt;
  std::string code;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!((l >= 'a' && l <= 'z') || (l >= '2' && l <= '7'))) return std::nullopt;
    code.push_back(l);
  }
  if (code.size() != kCodeChars) return std::nullopt;
  return crypto::token_digest(code);
}

}  // namespace latchkey::mfa
