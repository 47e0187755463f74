#include "mfa/passkeys.hpp"

#include <boost/json.hpp>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "util/log.hpp"
#include "webauthn/client_data.hpp"

namespace latchkey::mfa {

namespace json = boost::json;
using auth::AuthError;
using auth::Expected;

namespace {

constexpr std::size_t kChallengeBytes = 32;
constexpr std::size_t kMaxName = 64;
constexpr std::int64_t kTimeoutMs = 300000;

json::array allowed(const std::vector<store::Passkey>& passkeys) {
  json::array out;
  for (const auto& p : passkeys) out.push_back(json::object{{"type", "public-key"}, {"id", p.credential_id}});
  return out;
}

// RFC 8176: a key in the device's hardware, or one synced between devices.
std::string_view key_amr(bool backup_eligible) { return backup_eligible ? "swk" : "hwk"; }

}  // namespace

std::string passkey_name(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) continue;  // no control characters (UTF-8 bytes pass)
    out.push_back(c);
  }
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return "Passkey";
  out = out.substr(first, out.find_last_not_of(' ') - first + 1);
  if (out.size() > kMaxName) {
    out.resize(kMaxName);
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();  // a cut character
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  }
  return out;
}

Passkeys::Passkeys(auth::Service& service, PasskeyOptions options) : service_(service), options_(std::move(options)) {}

Expected<std::string> Passkeys::new_challenge(std::string_view purpose, std::string_view user_id,
                                              std::string_view binding) {
  if (!available()) return tl::unexpected(AuthError::passkeys_unavailable);
  std::string challenge = crypto::random_token(kChallengeBytes);
  store::WebauthnChallenge c{crypto::token_digest(challenge), std::string(purpose), std::string(user_id),
                             std::string(binding), service_.clock()() + options_.challenge_ttl};
  if (auto r = service_.store().webauthn_challenges().create(c); !r) return auth::store_failure(r);
  return challenge;
}

Expected<store::WebauthnChallenge> Passkeys::take_challenge(std::string_view client_data_json,
                                                            std::string_view purpose, std::string* challenge) {
  auto client = webauthn::parse_client_data(client_data_json);
  if (!client || client->challenge.empty() || client->challenge.size() > 128)
    return tl::unexpected(AuthError::passkey_invalid);
  auto taken = service_.store().webauthn_challenges().take(crypto::token_digest(client->challenge), purpose,
                                                           service_.clock()());
  if (!taken) {
    if (taken.error() == store::StoreError::not_found) return tl::unexpected(AuthError::passkey_invalid);
    return auth::store_failure(taken);
  }
  *challenge = client->challenge;
  return std::move(*taken);
}

Expected<json::object> Passkeys::registration_options(const store::User& user, std::string_view binding) {
  auto challenge = new_challenge("register", user.id, binding);
  if (!challenge) return tl::unexpected(challenge.error());
  auto existing = service_.store().factors().list_passkeys(user.id);
  if (!existing) return auth::store_failure(existing);
  return json::object{
      {"challenge", *challenge},
      {"rp", json::object{{"id", options_.rp->id}, {"name", options_.rp_name}}},
      {"user", json::object{{"id", crypto::base64url_encode(user.id)}, {"name", user.username},
                            {"displayName", user.username}}},
      {"pubKeyCredParams", json::array{json::object{{"type", "public-key"}, {"alg", -7}},
                                       json::object{{"type", "public-key"}, {"alg", -8}},
                                       json::object{{"type", "public-key"}, {"alg", -257}}}},
      {"authenticatorSelection", json::object{{"residentKey", "required"}, {"requireResidentKey", true},
                                              {"userVerification", "required"}}},
      {"attestation", "none"},
      {"excludeCredentials", allowed(*existing)},
      {"timeout", kTimeoutMs},
  };
}

Expected<store::Passkey> Passkeys::add(const store::User& user, std::string_view client_data_json,
                                       std::string_view attestation_object, std::string_view name,
                                       std::string_view binding, const auth::Client& client) {
  if (!available()) return tl::unexpected(AuthError::passkeys_unavailable);
  std::string challenge;
  auto issued = take_challenge(client_data_json, "register", &challenge);
  if (!issued) return tl::unexpected(issued.error());
  if (issued->user_id != user.id || !crypto::constant_time_equal(issued->binding, binding))
    return tl::unexpected(AuthError::passkey_invalid);
  auto made = webauthn::verify_registration(*options_.rp, challenge, client_data_json, attestation_object, true);
  if (!made) {
    log::info("mfa.passkey_refused", {{"user_id", std::string_view(user.id)},
                                      {"step", static_cast<std::int64_t>(made.error())}});
    return tl::unexpected(AuthError::passkey_invalid);
  }
  store::Passkey p;
  p.credential_id = crypto::base64url_encode(made->credential_id);
  p.user_id = user.id;
  p.name = passkey_name(name);
  p.alg = static_cast<std::int64_t>(made->key.alg);
  p.public_key = crypto::base64url_encode(made->key.spki);
  p.sign_count = made->sign_count;
  p.aaguid = crypto::base64url_encode(made->aaguid);
  p.backup_eligible = made->backup_eligible;
  p.created_at = service_.clock()();
  if (auto r = service_.store().factors().add_passkey(p); !r) {
    if (r.error() == store::StoreError::conflict) return tl::unexpected(AuthError::passkey_exists);
    if (r.error() == store::StoreError::not_found) return tl::unexpected(AuthError::session_ended);
    return auth::store_failure(r);
  }
  service_.context().record({.event = "mfa_passkey_added", .user_id = user.id, .username = user.username,
                             .detail = auth::audit_detail({{"name", std::string_view(p.name)}})},
                            client);
  log::info("mfa.passkey_added", {{"user_id", std::string_view(user.id)}});
  return p;
}

Expected<json::object> Passkeys::sign_in_options(std::string_view binding) {
  auto challenge = new_challenge("login", "", binding);
  if (!challenge) return tl::unexpected(challenge.error());
  return json::object{{"challenge", *challenge}, {"rpId", options_.rp->id}, {"userVerification", "required"},
                      {"allowCredentials", json::array{}}, {"timeout", kTimeoutMs}};
}

Expected<json::object> Passkeys::second_factor_options(const store::User& user, std::string_view binding) {
  auto challenge = new_challenge("second_factor", user.id, binding);
  if (!challenge) return tl::unexpected(challenge.error());
  auto passkeys = service_.store().factors().list_passkeys(user.id);
  if (!passkeys) return auth::store_failure(passkeys);
  return json::object{{"challenge", *challenge}, {"rpId", options_.rp->id}, {"userVerification", "preferred"},
                      {"allowCredentials", allowed(*passkeys)}, {"timeout", kTimeoutMs}};
}

Expected<std::pair<store::Passkey, webauthn::VerifiedAssertion>> Passkeys::verify(const PasskeyAssertion& a,
                                                                                  std::string_view purpose,
                                                                                  std::string_view user_id,
                                                                                  std::string_view binding,
                                                                                  bool require_uv) {
  if (!available()) return tl::unexpected(AuthError::passkeys_unavailable);
  std::string challenge;
  auto issued = take_challenge(a.client_data_json, purpose, &challenge);
  if (!issued) return tl::unexpected(issued.error());
  if (issued->user_id != user_id || !crypto::constant_time_equal(issued->binding, binding))
    return tl::unexpected(AuthError::passkey_invalid);
  if (a.credential_id.empty() || a.credential_id.size() > 2048) return tl::unexpected(AuthError::passkey_invalid);
  auto stored = service_.store().factors().find_passkey(a.credential_id);
  if (!stored) {
    if (stored.error() == store::StoreError::not_found) return tl::unexpected(AuthError::passkey_invalid);
    return auth::store_failure(stored);
  }
  // A passkey alone names its user: the user handle must be that user's id.
  if (!user_id.empty() ? stored->user_id != user_id : a.user_handle != stored->user_id)
    return tl::unexpected(AuthError::passkey_invalid);
  const auto alg = webauthn::cose_alg(static_cast<long>(stored->alg));
  const auto spki = crypto::base64url_decode(stored->public_key);
  if (!alg || !spki) return tl::unexpected(AuthError::internal);
  auto key = webauthn::load_public_key(*alg, *spki);
  if (!key) return tl::unexpected(AuthError::internal);
  auto verified = webauthn::verify_assertion(*options_.rp, challenge, a.client_data_json, a.authenticator_data,
                                             a.signature, *key, static_cast<std::uint32_t>(stored->sign_count),
                                             require_uv);
  if (!verified) {
    log::info("mfa.passkey_refused", {{"user_id", std::string_view(stored->user_id)},
                                      {"step", static_cast<std::int64_t>(verified.error())}});
    return tl::unexpected(AuthError::passkey_invalid);
  }
  // The counter again, in the row's own write: two uses of one signature race here.
  auto used = service_.store().factors().use_passkey(stored->credential_id, verified->sign_count, service_.clock()());
  if (!used) return auth::store_failure(used);
  if (!*used) return tl::unexpected(AuthError::passkey_invalid);
  return std::pair{std::move(*stored), *verified};
}

Expected<PasskeySignIn> Passkeys::sign_in(const PasskeyAssertion& a, std::string_view binding,
                                          const auth::Client& client) {
  auto v = verify(a, "login", "", binding, true);
  if (!v) return tl::unexpected(v.error());
  auto user = service_.store().users().find_by_id(v->first.user_id);
  if (!user) {
    if (user.error() == store::StoreError::not_found) return tl::unexpected(AuthError::passkey_invalid);
    return auth::store_failure(user);
  }
  if (user->disabled_at) return tl::unexpected(AuthError::account_disabled);
  // REQUIRE_VERIFIED_EMAIL holds for every way in, a passkey's too.
  if (service_.options().require_verified_email && !user->email_verified)
    return tl::unexpected(AuthError::email_unverified);
  (void)client;
  return PasskeySignIn{std::move(*user), std::string(key_amr(v->first.backup_eligible)) + " user mfa"};
}

Expected<std::string> Passkeys::second_factor(const store::User& user, const PasskeyAssertion& a,
                                              std::string_view binding) {
  auto v = verify(a, "second_factor", user.id, binding, false);
  if (!v) return tl::unexpected(v.error());
  return std::string(key_amr(v->first.backup_eligible));
}

Expected<std::vector<store::Passkey>> Passkeys::list(std::string_view user_id) {
  auto r = service_.store().factors().list_passkeys(user_id);
  if (!r) return auth::store_failure(r);
  return std::move(*r);
}

Expected<void> Passkeys::rename(const store::User& user, std::string_view credential_id, std::string_view name,
                                const auth::Client& client) {
  const std::string clean = passkey_name(name);
  if (auto r = service_.store().factors().rename_passkey(user.id, credential_id, clean); !r) {
    if (r.error() == store::StoreError::not_found) return tl::unexpected(AuthError::factor_not_found);
    return auth::store_failure(r);
  }
  service_.context().record({.event = "mfa_passkey_renamed", .user_id = user.id, .username = user.username,
                             .detail = auth::audit_detail({{"name", std::string_view(clean)}})},
                            client);
  return {};
}

Expected<void> Passkeys::remove(const store::User& user, std::string_view credential_id, const auth::Client& client) {
  if (auto r = service_.store().factors().remove_passkey(user.id, credential_id); !r) {
    if (r.error() == store::StoreError::not_found) return tl::unexpected(AuthError::factor_not_found);
    return auth::store_failure(r);
  }
  service_.context().record({.event = "mfa_passkey_removed", .user_id = user.id, .username = user.username}, client);
  log::info("mfa.passkey_removed", {{"user_id", std::string_view(user.id)}});
  return {};
}

}  // namespace latchkey::mfa
