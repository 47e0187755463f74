#pragma once
// Authenticator data (WebAuthn Level 3, 6.1): the bytes an authenticator
// signs over. rpIdHash (32), flags (1), signCount (4, big-endian), then, when
// the AT flag is set, the attested credential (AAGUID 16, credential id
// length 2 + id, the COSE public key in CBOR), then, when ED is set, CBOR
// extensions. Nothing may follow.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace latchkey::webauthn {

struct AttestedCredential {
  std::string aaguid;          // 16 bytes
  std::string credential_id;   // 1 to 1023 bytes (WebAuthn 5.1: at most 1023)
  std::string public_key;      // the COSE_Key's CBOR bytes
};

struct AuthenticatorData {
  std::string rp_id_hash;  // 32 bytes: SHA-256 of the RP ID
  std::uint8_t flags = 0;
  std::uint32_t sign_count = 0;
  std::optional<AttestedCredential> credential;

  bool user_present() const { return flags & 0x01; }
  bool user_verified() const { return flags & 0x04; }
  bool backup_eligible() const { return flags & 0x08; }
  bool backed_up() const { return flags & 0x10; }
};

enum class DataError { too_short, bad_credential, bad_extensions, trailing_bytes, bad_flags };

tl::expected<AuthenticatorData, DataError> parse_authenticator_data(std::string_view bytes);

}  // namespace latchkey::webauthn
