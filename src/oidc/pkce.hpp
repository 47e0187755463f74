#pragma once
// Proof Key for Code Exchange (RFC 7636), S256 only. The client sends
// code_challenge = BASE64URL(SHA-256(code_verifier)) with its authorization
// request and the verifier with its token request; only the holder of the
// verifier can redeem the code. "plain" (challenge == verifier) protects
// nothing once the authorization request is seen, so it is never accepted
// (OAuth 2.0 Security BCP, RFC 9700 section 2.1.1).
#include <string>
#include <string_view>

namespace latchkey::oidc {

// RFC 7636 section 4.1: 43 to 128 characters of [A-Za-z0-9-._~].
bool valid_verifier(std::string_view verifier);

// An S256 challenge (section 4.2): exactly 43 base64url characters, the
// unpadded encoding of 32 bytes (so the last one carries 4 bits and 2 zero
// bits: a challenge spelled any other way could never match).
bool valid_challenge(std::string_view challenge);

// BASE64URL(SHA-256(ASCII(verifier))), for any input (SHA-256 by OpenSSL).
std::string s256_challenge(std::string_view verifier);

// True only when `verifier` is valid and its S256 challenge is `challenge`;
// the comparison takes the same time wherever the two differ.
bool verify_s256(std::string_view verifier, std::string_view challenge);

}  // namespace latchkey::oidc
