#pragma once
// The attestation object of a registration (WebAuthn Level 3, 6.5): a CBOR
// map of fmt, attStmt and authData. latchkey asks for attestation "none"
// (it trusts the browser's word for the authenticator, as passkeys
// intend), so the statement is not verified and its format not limited;
// what matters is the authenticator data and the credential in it.
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace latchkey::webauthn {

struct AttestationObject {
  std::string fmt;
  std::string auth_data;  // raw bytes (authenticator_data.hpp)
};

enum class AttestationError { not_cbor, missing_member };

// At most 64 KiB: an attestation with a certificate chain stays well under.
tl::expected<AttestationObject, AttestationError> parse_attestation_object(std::string_view cbor);

}  // namespace latchkey::webauthn
