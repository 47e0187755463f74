#pragma once
// Passkeys (WebAuthn credentials): registering one, and signing in with one,
// alone (a discoverable passkey with user verification: a complete sign-in
// without a username) or as the second factor after a password. The
// ceremonies' checks are webauthn/ceremony.hpp's; this adds the challenges
// (random, single use, 5 minutes, bound to their purpose, user and caller),
// the stored credentials and their counters, and the audit trail.
// Blocking (store): run on the database lane.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "auth/service.hpp"
#include "webauthn/ceremony.hpp"

namespace latchkey::mfa {

struct PasskeyOptions {
  // Unset: passkeys are off (say why in `off_reason`).
  std::optional<webauthn::RelyingParty> rp;
  std::string off_reason;
  std::string rp_name = "latchkey";  // shown by the browser's passkey dialog
  UnixSeconds challenge_ttl = 300;
};

// What the browser's navigator.credentials.get() gave, decoded from base64url.
struct PasskeyAssertion {
  std::string credential_id;       // base64url, as stored
  std::string client_data_json;    // raw
  std::string authenticator_data;  // raw
  std::string signature;           // raw
  std::string user_handle;         // raw; the user's id for a discoverable passkey
};

// A passkey sign-in that verified: who, and how (RFC 8176 amr).
struct PasskeySignIn {
  store::User user;
  std::string amr;  // "hwk user mfa" (a device-bound key) or "swk user mfa" (a synced one)
};

class Passkeys {
 public:
  Passkeys(auth::Service& service, PasskeyOptions options);

  bool available() const { return options_.rp.has_value(); }
  const PasskeyOptions& options() const { return options_; }

  // PublicKeyCredentialCreationOptions (JSON, binary members base64url) for
  // `user`: ES256, EdDSA, RS256; a resident key and user verification
  // required (a passkey); attestation none; the user's passkeys excluded.
  auth::Expected<boost::json::object> registration_options(const store::User& user, std::string_view binding);
  // Verifies and stores a new passkey. passkey_invalid when the ceremony
  // fails; passkey_exists when the credential is registered already.
  auth::Expected<store::Passkey> add(const store::User& user, std::string_view client_data_json,
                                     std::string_view attestation_object, std::string_view name,
                                     std::string_view binding, const auth::Client& client);

  // PublicKeyCredentialRequestOptions for a sign-in with a passkey alone
  // (no allowCredentials: the browser offers the discoverable ones).
  auth::Expected<boost::json::object> sign_in_options(std::string_view binding);
  // The same for the second step of `user` (their passkeys allowed).
  auth::Expected<boost::json::object> second_factor_options(const store::User& user, std::string_view binding);

  // A passkey alone: user verification required. passkey_invalid for any
  // failure (unknown credential, wrong challenge, bad signature, a counter
  // that did not grow: all one answer).
  auth::Expected<PasskeySignIn> sign_in(const PasskeyAssertion& a, std::string_view binding, const auth::Client& client);
  // After the password: a passkey of `user`; user presence is enough. The
  // amr to add ("hwk" or "swk"), or passkey_invalid.
  auth::Expected<std::string> second_factor(const store::User& user, const PasskeyAssertion& a,
                                            std::string_view binding);

  auth::Expected<std::vector<store::Passkey>> list(std::string_view user_id);
  auth::Expected<void> rename(const store::User& user, std::string_view credential_id, std::string_view name,
                              const auth::Client& client);
  auth::Expected<void> remove(const store::User& user, std::string_view credential_id, const auth::Client& client);

 private:
  auth::Expected<std::string> new_challenge(std::string_view purpose, std::string_view user_id,
                                            std::string_view binding);
  // The challenge the client data names, taken once for `purpose`.
  auth::Expected<store::WebauthnChallenge> take_challenge(std::string_view client_data_json, std::string_view purpose,
                                                          std::string* challenge);
  auth::Expected<std::pair<store::Passkey, webauthn::VerifiedAssertion>> verify(const PasskeyAssertion& a,
                                                                                std::string_view purpose,
                                                                                std::string_view user_id,
                                                                                std::string_view binding,
                                                                                bool require_uv);

  auth::Service& service_;
  PasskeyOptions options_;
};

// A passkey's name as stored: trimmed, at most 64 bytes of printable text;
// "Passkey" when empty.
std::string passkey_name(std::string_view typed);

}  // namespace latchkey::mfa
