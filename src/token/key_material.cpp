#include "token/key_material.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>

#include "crypto/base64url.hpp"
#include "crypto/random.hpp"
#include "token/ossl_handles.hpp"

namespace latchkey::token {

namespace {

constexpr std::size_t kHs256SecretBytes = 64;
// RFC 7518 section 3.2: an HS256 key at least as long as the hash (32 bytes,
// 43 base64url characters).
constexpr std::size_t kHs256MinSecretChars = 43;
constexpr std::size_t kRsaBits = 2048;
constexpr int kRsaMinBits = 2048;  // RFC 7518 section 3.3
constexpr std::size_t kMaxPemBytes = 16 * 1024;
constexpr std::string_view kPkcs8Label = "-----BEGIN PRIVATE KEY-----";

// Never asks for a passphrase: an encrypted PEM is simply refused.
int no_passphrase(char*, int, int, void*) { return -1; }

tl::unexpected<std::string> fail(std::string why) {
  ERR_clear_error();  // leave no OpenSSL errors behind for unrelated callers
  return tl::unexpected(std::move(why));
}

}  // namespace

std::optional<std::string> key_mismatch(const EVP_PKEY* key, Alg alg) {
  if (key == nullptr) return std::string("no key");
  switch (alg) {
    case Alg::HS256: return std::string("HS256 takes a secret, not a key pair");
    case Alg::ES256: {
      if (!EVP_PKEY_is_a(key, "EC")) return std::string("ES256 needs an EC key");
      char curve[64] = {};
      std::size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve,
                                         &len) != 1) {
        ERR_clear_error();
        return std::string("EC key without a named curve");
      }
      const std::string_view name(curve, len);
      if (name != "prime256v1" && name != "P-256") return std::string("ES256 needs a P-256 key");
      return std::nullopt;
    }
    case Alg::EdDSA:
      if (!EVP_PKEY_is_a(key, "ED25519")) return std::string("EdDSA needs an Ed25519 key");
      return std::nullopt;
    case Alg::RS256:
      if (!EVP_PKEY_is_a(key, "RSA")) return std::string("RS256 needs an RSA key");
      if (EVP_PKEY_get_bits(key) < kRsaMinBits)
        return std::string("RSA key shorter than 2048 bits");
      return std::nullopt;
  }
  return std::string("unknown algorithm");
}

tl::expected<SigningKey, std::string> generate_key(Alg alg, std::string kid, UnixSeconds now) {
  SigningKey key{std::move(kid), alg, {}, now, nullptr};
  switch (alg) {
    case Alg::HS256: key.secret = crypto::random_bytes(kHs256SecretBytes); return key;
    case Alg::ES256:
      key.pkey = adopt_pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      break;
    case Alg::EdDSA: key.pkey = adopt_pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); break;
    case Alg::RS256:
      key.pkey = adopt_pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", kRsaBits));
      break;
  }
  if (!key.pkey) return fail("cannot generate a " + std::string(alg_name(alg)) + " key");
  return key;
}

std::string encode_key_material(const SigningKey& key) {
  if (!is_asymmetric(key.alg)) return crypto::base64url_encode(key.secret);
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || !key.pkey ||
      PEM_write_bio_PrivateKey(bio.get(), key.pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    ERR_clear_error();
    throw std::invalid_argument("cannot write the private key of " + key.kid);
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

tl::expected<SigningKey, std::string> decode_key_material(std::string kid, Alg alg,
                                                          std::string_view material,
                                                          UnixSeconds created_at) {
  if (!is_asymmetric(alg)) {
    // Checked on the text (43 characters carry 32 bytes): the same test on the
    // decoded string trips a GCC 12 -Warray-bounds false positive.
    if (material.size() < kHs256MinSecretChars) return fail("HS256 secret shorter than 32 bytes");
    auto secret = crypto::base64url_decode(material);
    if (!secret) return fail("HS256 material is not base64url");
    return SigningKey{std::move(kid), alg, std::move(*secret), created_at, nullptr};
  }
  SigningKey key{std::move(kid), alg, {}, created_at, nullptr};
  if (material.size() > kMaxPemBytes || !material.starts_with(kPkcs8Label))
    return fail("material is not a PEM PKCS#8 private key");
  ossl::Bio bio(BIO_new_mem_buf(material.data(), static_cast<int>(material.size())));
  if (!bio) return fail("out of memory");
  key.pkey = adopt_pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key.pkey) return fail("unreadable PEM private key");
  if (auto why = key_mismatch(key.pkey.get(), alg)) return fail(*why);
  return key;
}

}  // namespace latchkey::token
