#include "webauthn/authenticator_data.hpp"

#include <span>

#include "webauthn/cbor_value.hpp"

namespace latchkey::webauthn {

namespace {

constexpr std::uint8_t kAttested = 0x40, kExtensions = 0x80;
constexpr std::uint8_t kBackupEligible = 0x08, kBackedUp = 0x10;
constexpr std::size_t kMaxCredentialId = 1023;

std::span<const unsigned char> as_bytes(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

// The length of the one CBOR item at the start of `rest`, or 0.
std::size_t item_length(std::string_view rest) {
  std::size_t used = 0;
  if (!CborValue::decode(as_bytes(rest), &used)) return 0;
  return used;
}

}  // namespace

tl::expected<AuthenticatorData, DataError> parse_authenticator_data(std::string_view bytes) {
  if (bytes.size() < 37) return tl::unexpected(DataError::too_short);
  AuthenticatorData d;
  d.rp_id_hash = std::string(bytes.substr(0, 32));
  d.flags = static_cast<std::uint8_t>(bytes[32]);
  d.sign_count = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[33])) << 24) |
                 (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[34])) << 16) |
                 (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[35])) << 8) |
                 static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[36]));
  // Backed up without being eligible to be is no valid state (WebAuthn 6.1).
  if ((d.flags & kBackedUp) && !(d.flags & kBackupEligible)) return tl::unexpected(DataError::bad_flags);
  std::string_view rest = bytes.substr(37);
  if (d.flags & kAttested) {
    if (rest.size() < 18) return tl::unexpected(DataError::bad_credential);
    AttestedCredential c;
    c.aaguid = std::string(rest.substr(0, 16));
    const std::size_t id_len = (static_cast<std::size_t>(static_cast<unsigned char>(rest[16])) << 8) |
                               static_cast<unsigned char>(rest[17]);
    rest.remove_prefix(18);
    if (id_len == 0 || id_len > kMaxCredentialId || rest.size() < id_len) return tl::unexpected(DataError::bad_credential);
    c.credential_id = std::string(rest.substr(0, id_len));
    rest.remove_prefix(id_len);
    const std::size_t key_len = item_length(rest);
    if (key_len == 0) return tl::unexpected(DataError::bad_credential);
    c.public_key = std::string(rest.substr(0, key_len));
    rest.remove_prefix(key_len);
    d.credential = std::move(c);
  }
  if (d.flags & kExtensions) {
    const std::size_t ext_len = item_length(rest);
    if (ext_len == 0) return tl::unexpected(DataError::bad_extensions);
    rest.remove_prefix(ext_len);
  }
  if (!rest.empty()) return tl::unexpected(DataError::trailing_bytes);
  return d;
}

}  // namespace latchkey::webauthn
