#pragma once
// Secrets the server must read back (a TOTP seed), sealed at rest with
// AES-256-GCM (OpenSSL EVP): a random 96-bit nonce per seal (NIST SP 800-38D
// 8.2.2; at 2^32 seals per key the collision odds stay under 2^-32), the
// 128-bit tag, and associated data that ties a sealed value to its row (the
// user id and what it is), so a value copied to another row fails to open.
//
// Sealed form: "v1." + base64url(nonce || ciphertext || tag). The version
// names the key generation, so a later key rotation can tell them apart.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::crypto {

class SealingKey {
 public:
  // The key from configuration: 32 bytes as 64 hex digits or as base64url
  // (43 characters). nullopt for anything else.
  static std::optional<SealingKey> parse(std::string_view text);
  // 32 raw bytes (tests, start-up).
  static SealingKey from_bytes(std::string_view raw32);

  std::string seal(std::string_view plaintext, std::string_view associated) const;
  // nullopt when the value was not sealed by this key with this associated
  // data, or is malformed: nothing is said about which.
  std::optional<std::string> open(std::string_view sealed, std::string_view associated) const;

 private:
  explicit SealingKey(std::string_view raw32);
  std::array<unsigned char, 32> key_{};
};

}  // namespace latchkey::crypto
