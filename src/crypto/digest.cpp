#include "crypto/digest.hpp"

#include "crypto/base64url.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <stdexcept>

namespace latchkey::crypto {

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  sha256_into(data, std::span<unsigned char, 32>(reinterpret_cast<unsigned char*>(out.data()), 32));
  return out;
}

void sha256_into(std::string_view data, std::span<unsigned char, 32> out) {
  struct Context {
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // fetched once per thread
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() {
      EVP_MD_CTX_free(ctx);
      EVP_MD_free(md);
    }
  };
  thread_local Context c;
  unsigned int len = 0;
  if (c.md == nullptr || c.ctx == nullptr || EVP_DigestInit_ex2(c.ctx, c.md, nullptr) != 1 ||
      EVP_DigestUpdate(c.ctx, data.data(), data.size()) != 1 || EVP_DigestFinal_ex(c.ctx, out.data(), &len) != 1) {
    throw std::runtime_error("SHA-256 failed");  // only on allocation failure: a bug
  }
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  // libsodium's: no algorithm fetch, lock or allocation per call, as OpenSSL
  // 3's one-shot HMAC() has (a refresh computes two).
  std::string out(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  crypto_auth_hmacsha256_final(&st, reinterpret_cast<unsigned char*>(out.data()));
  sodium_memzero(&st, sizeof st);
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string token_digest(std::string_view token) { return base64url_encode(sha256(token)); }

}  // namespace latchkey::crypto
