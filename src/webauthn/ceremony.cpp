#include "webauthn/ceremony.hpp"

#include <algorithm>
#include <span>

#include "crypto/digest.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/client_data.hpp"
#include "webauthn/signature.hpp"

namespace latchkey::webauthn {

namespace {

tl::unexpected<CeremonyError> fail(CeremonyError e) { return tl::unexpected(e); }

// Steps shared by both ceremonies: the client data, then the authenticator
// data's RP ID hash and flags.
tl::expected<void, CeremonyError> check_client_data(const RelyingParty& rp, std::string_view expected_type,
                                                    std::string_view expected_challenge,
                                                    std::string_view client_data_json) {
  auto c = parse_client_data(client_data_json);
  if (!c) return fail(CeremonyError::malformed);
  if (c->type != expected_type) return fail(CeremonyError::wrong_type);
  if (expected_challenge.empty() || !crypto::constant_time_equal(c->challenge, expected_challenge))
    return fail(CeremonyError::wrong_challenge);
  if (c->cross_origin || std::find(rp.origins.begin(), rp.origins.end(), c->origin) == rp.origins.end())
    return fail(CeremonyError::wrong_origin);
  return {};
}

tl::expected<void, CeremonyError> check_flags(const RelyingParty& rp, const AuthenticatorData& d, bool require_uv) {
  if (!crypto::constant_time_equal(d.rp_id_hash, crypto::sha256(rp.id))) return fail(CeremonyError::wrong_rp);
  if (!d.user_present()) return fail(CeremonyError::user_not_present);
  if (require_uv && !d.user_verified()) return fail(CeremonyError::user_not_verified);
  return {};
}

}  // namespace

tl::expected<NewCredential, CeremonyError> verify_registration(const RelyingParty& rp,
                                                               std::string_view expected_challenge,
                                                               std::string_view client_data_json,
                                                               std::string_view attestation_object,
                                                               bool require_user_verification) {
  if (auto ok = check_client_data(rp, "webauthn.create", expected_challenge, client_data_json); !ok)
    return tl::unexpected(ok.error());
  auto att = parse_attestation_object(attestation_object);
  if (!att) return fail(CeremonyError::malformed);
  auto data = parse_authenticator_data(att->auth_data);
  if (!data) return fail(CeremonyError::malformed);
  if (auto ok = check_flags(rp, *data, require_user_verification); !ok) return tl::unexpected(ok.error());
  if (!data->credential) return fail(CeremonyError::no_credential);
  const std::string& cose = data->credential->public_key;
  auto key = parse_cose_key({reinterpret_cast<const unsigned char*>(cose.data()), cose.size()});
  if (!key) return fail(CeremonyError::unsupported_key);
  NewCredential out;
  out.credential_id = data->credential->credential_id;
  out.key = std::move(*key);
  out.sign_count = data->sign_count;
  out.aaguid = data->credential->aaguid;
  out.user_verified = data->user_verified();
  out.backup_eligible = data->backup_eligible();
  out.backed_up = data->backed_up();
  return out;
}

tl::expected<VerifiedAssertion, CeremonyError> verify_assertion(const RelyingParty& rp,
                                                                std::string_view expected_challenge,
                                                                std::string_view client_data_json,
                                                                std::string_view authenticator_data,
                                                                std::string_view signature, const PublicKey& key,
                                                                std::uint32_t stored_sign_count,
                                                                bool require_user_verification) {
  if (auto ok = check_client_data(rp, "webauthn.get", expected_challenge, client_data_json); !ok)
    return tl::unexpected(ok.error());
  auto data = parse_authenticator_data(authenticator_data);
  if (!data) return fail(CeremonyError::malformed);
  if (auto ok = check_flags(rp, *data, require_user_verification); !ok) return tl::unexpected(ok.error());
  if (!verify_assertion_signature(key, authenticator_data, client_data_json, signature))
    return fail(CeremonyError::bad_signature);
  if (!counter_ok(stored_sign_count, data->sign_count)) return fail(CeremonyError::counter_regressed);
  return VerifiedAssertion{data->sign_count, data->user_verified(), data->backed_up()};
}

}  // namespace latchkey::webauthn
