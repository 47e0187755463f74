#pragma once
// An assertion's signature (WebAuthn Level 3, 7.2 step 20): over
// authenticatorData || SHA-256(clientDataJSON), with the credential's key:
// ES256 as a DER ECDSA signature, EdDSA as Ed25519's 64 bytes, RS256 as
// PKCS#1 v1.5 with SHA-256. OpenSSL does the arithmetic.
#include <string_view>

#include "webauthn/cose_key.hpp"

namespace latchkey::webauthn {

bool verify_assertion_signature(const PublicKey& key, std::string_view authenticator_data,
                                std::string_view client_data_json, std::string_view signature);

}  // namespace latchkey::webauthn
