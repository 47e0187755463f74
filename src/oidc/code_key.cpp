#include "oidc/code_key.hpp"

#include "crypto/digest.hpp"
#include "crypto/random.hpp"

namespace latchkey::oidc {

namespace {

constexpr std::size_t kRandomBytes = 32;
// The time's 6 bytes in base64url: 8 characters.
constexpr std::size_t kTimePrefix = 8;
// 6 + 32 bytes in unpadded base64url: 51 characters.
constexpr std::size_t kCodeLength = ((6 + kRandomBytes) * 8 + 5) / 6;

}  // namespace

std::string new_code() { return crypto::time_ordered_token(kRandomBytes); }

std::string code_key(std::string_view code) {
  if (code.size() != kCodeLength) return crypto::token_digest(code);
  std::string key(code.substr(0, kTimePrefix));
  key += '.';
  key += crypto::token_digest(code);
  return key;
}

}  // namespace latchkey::oidc
