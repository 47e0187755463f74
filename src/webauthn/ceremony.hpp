#pragma once
// The checks of the two WebAuthn ceremonies (Level 3, 7.1 registration and
// 7.2 authentication), as one enum of failures (each mapped to one answer at
// the edge) and two functions of named steps. What they need from outside:
// the relying party (RP ID and the origins allowed), the challenge this
// server issued for this ceremony (single use: the caller's store spends
// it), and for an assertion the stored credential.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "webauthn/cose_key.hpp"

namespace latchkey::webauthn {

struct RelyingParty {
  std::string id;                    // "auth.example.com" or "localhost"
  std::vector<std::string> origins;  // "https://auth.example.com"
};

enum class CeremonyError {
  malformed,          // clientDataJSON, attestation object or authenticator data unreadable
  wrong_type,         // webauthn.create where webauthn.get belongs, or the reverse
  wrong_challenge,    // not the challenge issued for this ceremony
  wrong_origin,       // an origin not allowed, or a cross-origin iframe
  wrong_rp,           // authenticator data for another RP ID
  user_not_present,   // UP flag clear
  user_not_verified,  // UV flag clear where verification is required
  no_credential,      // a registration without attested credential data
  unsupported_key,    // not ES256, EdDSA or RS256, or not a valid key
  bad_signature,      // the assertion's signature does not verify
  counter_regressed,  // the signature counter did not grow (a cloned authenticator?)
};

// A new credential, verified: what to store.
struct NewCredential {
  std::string credential_id;
  PublicKey key;
  std::uint32_t sign_count = 0;
  std::string aaguid;
  bool user_verified = false;
  bool backup_eligible = false;
  bool backed_up = false;
};

tl::expected<NewCredential, CeremonyError> verify_registration(const RelyingParty& rp,
                                                               std::string_view expected_challenge,
                                                               std::string_view client_data_json,
                                                               std::string_view attestation_object,
                                                               bool require_user_verification);

// A verified assertion: the counter to store, how the person was verified.
struct VerifiedAssertion {
  std::uint32_t sign_count = 0;
  bool user_verified = false;
  bool backed_up = false;
};

tl::expected<VerifiedAssertion, CeremonyError> verify_assertion(const RelyingParty& rp,
                                                                std::string_view expected_challenge,
                                                                std::string_view client_data_json,
                                                                std::string_view authenticator_data,
                                                                std::string_view signature, const PublicKey& key,
                                                                std::uint32_t stored_sign_count,
                                                                bool require_user_verification);

// The counter rule (WebAuthn 6.1.1): when either count is non-zero, the new
// one must be greater. Authenticators that keep no counter (Apple's
// passkeys) send 0 every time, and pass.
constexpr bool counter_ok(std::uint32_t stored, std::uint32_t presented) {
  return (stored == 0 && presented == 0) || presented > stored;
}

}  // namespace latchkey::webauthn
