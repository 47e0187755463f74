#include "webauthn/cose_key.hpp"

#include <openssl/x509.h>

#include <boost/json.hpp>

#include "crypto/base64url.hpp"
#include "token/jwk.hpp"
#include "token/key_material.hpp"
#include "webauthn/cbor_value.hpp"

namespace latchkey::webauthn {

namespace {

namespace json = boost::json;

// COSE_Key labels (RFC 9052 7.1, RFC 9053 7.1-7.2, RFC 8230 4).
constexpr std::int64_t kKty = 1, kAlg = 3;
constexpr std::int64_t kCrv = -1, kX = -2, kY = -3;  // EC2 and OKP
constexpr std::int64_t kN = -1, kE = -2;             // RSA
constexpr std::int64_t kKtyOkp = 1, kKtyEc2 = 2, kKtyRsa = 3;
constexpr std::int64_t kCrvP256 = 1, kCrvEd25519 = 6;

tl::unexpected<KeyError> fail(KeyError e) { return tl::unexpected(e); }

std::optional<std::string> bytes_at(const CborValue& map, std::int64_t label) {
  auto v = map.at(label);
  return v ? v->bytes() : std::nullopt;
}

std::int64_t integer_at(const CborValue& map, std::int64_t label) {
  auto v = map.at(label);
  return v ? v->integer().value_or(0) : 0;
}

token::Alg jose_alg(CoseAlg a) {
  switch (a) {
    case CoseAlg::es256: return token::Alg::ES256;
    case CoseAlg::eddsa: return token::Alg::EdDSA;
    case CoseAlg::rs256: return token::Alg::RS256;
  }
  return token::Alg::ES256;
}

}  // namespace

std::optional<CoseAlg> cose_alg(long value) {
  switch (value) {
    case -7: return CoseAlg::es256;
    case -8: return CoseAlg::eddsa;
    case -257: return CoseAlg::rs256;
    default: return std::nullopt;
  }
}

std::string spki_of(const EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(const_cast<EVP_PKEY*>(key), &der);
  if (n <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

tl::expected<PublicKey, KeyError> parse_cose_key(std::span<const unsigned char> cbor) {
  std::size_t used = 0;
  auto map = CborValue::decode(cbor, &used);
  if (!map || !map->is_map() || used != cbor.size()) return fail(KeyError::malformed);
  // 0 stands for absent: no key type or algorithm is numbered 0.
  const std::int64_t kty = integer_at(*map, kKty);
  const std::int64_t alg_n = integer_at(*map, kAlg);
  if (kty == 0 || alg_n == 0) return fail(KeyError::malformed);
  const auto alg = cose_alg(static_cast<long>(alg_n));
  if (!alg) return fail(KeyError::unsupported);

  json::object jwk;
  if (*alg == CoseAlg::es256 || *alg == CoseAlg::eddsa) {
    const std::int64_t crv = integer_at(*map, kCrv);
    const auto x = bytes_at(*map, kX);
    if (crv == 0 || !x) return fail(KeyError::malformed);
    if (*alg == CoseAlg::es256) {
      const auto y = bytes_at(*map, kY);  // a compressed point (y a bool) is not CTAP2's form
      if (kty != kKtyEc2 || crv != kCrvP256) return fail(KeyError::unsupported);
      if (!y) return fail(KeyError::malformed);
      jwk = {{"kty", "EC"}, {"crv", "P-256"}, {"x", crypto::base64url_encode(*x)}, {"y", crypto::base64url_encode(*y)}};
    } else {
      if (kty != kKtyOkp || crv != kCrvEd25519) return fail(KeyError::unsupported);
      jwk = {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", crypto::base64url_encode(*x)}};
    }
  } else {
    if (kty != kKtyRsa) return fail(KeyError::unsupported);
    const auto n = bytes_at(*map, kN);
    const auto e = bytes_at(*map, kE);
    if (!n || !e) return fail(KeyError::malformed);
    jwk = {{"kty", "RSA"}, {"n", crypto::base64url_encode(*n)}, {"e", crypto::base64url_encode(*e)}};
  }
  auto key = token::key_from_jwk(jwk, "webauthn");
  if (!key || !key->pkey) return fail(KeyError::invalid);
  if (token::key_mismatch(key->pkey.get(), jose_alg(*alg))) return fail(KeyError::invalid);
  PublicKey out;
  out.alg = *alg;
  out.key = std::move(key->pkey);
  out.spki = spki_of(out.key.get());
  if (out.spki.empty()) return fail(KeyError::invalid);
  return out;
}

tl::expected<PublicKey, KeyError> load_public_key(CoseAlg alg, std::string_view spki) {
  const auto* p = reinterpret_cast<const unsigned char*>(spki.data());
  EVP_PKEY* raw = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  if (!raw) return fail(KeyError::invalid);
  token::PKey key = token::adopt_pkey(raw);
  if (token::key_mismatch(key.get(), jose_alg(alg))) return fail(KeyError::invalid);
  return PublicKey{alg, std::move(key), std::string(spki)};
}

}  // namespace latchkey::webauthn
