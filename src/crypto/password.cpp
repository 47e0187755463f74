#include "crypto/password.hpp"

#include <sodium.h>

namespace latchkey::crypto {

tl::expected<std::string, PasswordError> hash_password(std::string_view password,
                                                       const PasswordParams& params) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.ops, params.mem_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return tl::unexpected(PasswordError::out_of_memory);
  }
  return std::string(out);
}

bool verify_password(std::string_view stored_hash, std::string_view password) {
  // libsodium wants a NUL-terminated hash string of bounded length.
  if (stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES) return false;
  char buf[crypto_pwhash_STRBYTES] = {};
  stored_hash.copy(buf, stored_hash.size());
  return crypto_pwhash_str_verify(buf, password.data(), password.size()) == 0;
}

bool needs_rehash(std::string_view stored_hash, const PasswordParams& params) {
  if (stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES) return true;
  char buf[crypto_pwhash_STRBYTES] = {};
  stored_hash.copy(buf, stored_hash.size());
  return crypto_pwhash_str_needs_rehash(buf, params.ops, params.mem_bytes) != 0;
}

}  // namespace latchkey::crypto
