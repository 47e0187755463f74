#include "webauthn/signature.hpp"

#include <openssl/evp.h>

#include <memory>

#include "crypto/digest.hpp"

namespace latchkey::webauthn {

bool verify_assertion_signature(const PublicKey& key, std::string_view authenticator_data,
                                std::string_view client_data_json, std::string_view signature) {
  if (!key.key || signature.empty() || signature.size() > 1024) return false;
  std::string signed_bytes(authenticator_data);
  signed_bytes += crypto::sha256(client_data_json);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  // Ed25519 hashes inside the signature scheme: no digest is named.
  const EVP_MD* md = key.alg == CoseAlg::eddsa ? nullptr : EVP_sha256();
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(signed_bytes.data()), signed_bytes.size()) == 1;
}

}  // namespace latchkey::webauthn
