// libFuzzer target: the WebAuthn parsers that read what a browser posts
// for a passkey (webauthn/): the attestation object (CBOR), authenticator
// data, the COSE public key in it, and clientDataJSON; then the whole
// registration ceremony on the same bytes.
//
// The first byte picks what the rest is: 0 an attestation object, 1
// authenticator data, 2 a COSE key, 3 clientDataJSON, anything else all of
// them. Besides crashes, leaks and undefined behaviour it checks:
//  - authenticator data that parses holds a 32-byte RP ID hash, and an
//    attested credential only with the AT flag, whose id is 1 to 1023 bytes;
//  - a COSE key that parses is ES256, EdDSA or RS256, its stored form (SPKI)
//    loads back as the same key;
//  - the registration never accepts: the challenge it is given is one the
//    input cannot contain (a fresh 16 random bytes, base64url).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/base64url.hpp"
#include "crypto/random.hpp"
#include "webauthn/attestation_object.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/ceremony.hpp"
#include "webauthn/client_data.hpp"
#include "webauthn/cose_key.hpp"

namespace {

using namespace latchkey::webauthn;

void check(bool ok) {
  if (!ok) std::abort();
}

void auth_data(std::string_view in) {
  auto d = parse_authenticator_data(in);
  if (!d) return;
  check(d->rp_id_hash.size() == 32);
  check(!d->credential || (d->flags & 0x40));
  if (d->credential) {
    check(!d->credential->credential_id.empty() && d->credential->credential_id.size() <= 1023);
    check(d->credential->aaguid.size() == 16);
  }
}

void cose_key(std::string_view in) {
  auto k = parse_cose_key({reinterpret_cast<const unsigned char*>(in.data()), in.size()});
  if (!k) return;
  check(k->alg == CoseAlg::es256 || k->alg == CoseAlg::eddsa || k->alg == CoseAlg::rs256);
  auto back = load_public_key(k->alg, k->spki);
  check(back && back->spki == k->spki);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool ready = [] {
    latchkey::crypto::init();
    return true;
  }();
  (void)ready;
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0]) {
    case 0: (void)parse_attestation_object(in); break;
    case 1: auth_data(in); break;
    case 2: cose_key(in); break;
    case 3: (void)parse_client_data(in); break;
    default: {
      if (auto att = parse_attestation_object(in)) auth_data(att->auth_data);
      auth_data(in);
      cose_key(in);
      (void)parse_client_data(in);
      const RelyingParty rp{"localhost", {"http://localhost:5000"}};
      const std::string challenge = latchkey::crypto::base64url_encode(latchkey::crypto::random_bytes(16));
      check(!verify_registration(rp, challenge, in, in, false));
    }
  }
  return 0;
}
