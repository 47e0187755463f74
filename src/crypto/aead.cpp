#include "crypto/aead.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>

#include "crypto/base64url.hpp"
#include "crypto/random.hpp"

namespace latchkey::crypto {

namespace {

constexpr std::size_t kKeyBytes = 32, kNonceBytes = 12, kTagBytes = 16;
constexpr std::string_view kVersion = "v1.";

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::optional<std::string> from_hex(std::string_view h) {
  if (h.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < h.size(); i += 2) {
    const int hi = nibble(h[i]), lo = nibble(h[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

int len(std::size_t n) { return static_cast<int>(n); }
unsigned char* u(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }
const unsigned char* u(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

SealingKey::SealingKey(std::string_view raw32) {
  std::copy_n(reinterpret_cast<const unsigned char*>(raw32.data()), kKeyBytes, key_.begin());
}

std::optional<SealingKey> SealingKey::parse(std::string_view text) {
  std::optional<std::string> raw;
  if (text.size() == 2 * kKeyBytes) raw = from_hex(text);
  else if (text.size() == 43) raw = base64url_decode(text);
  if (!raw || raw->size() != kKeyBytes) return std::nullopt;
  return SealingKey(std::string_view(*raw));
}

SealingKey SealingKey::from_bytes(std::string_view raw32) {
  if (raw32.size() != kKeyBytes) throw std::invalid_argument("a sealing key is 32 bytes");
  return SealingKey(raw32);
}

std::string SealingKey::seal(std::string_view plaintext, std::string_view associated) const {
  std::string out = random_bytes(kNonceBytes);
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0;
  // Failing here means OpenSSL is broken or out of memory: a bug, not input.
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), u(out)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &n, u(associated), len(associated.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), u(out) + kNonceBytes, &n, u(plaintext), len(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), u(out) + kNonceBytes + n, &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, u(out) + kNonceBytes + plaintext.size()) != 1)
    throw std::runtime_error("AES-256-GCM seal failed");
  return std::string(kVersion) + base64url_encode(out);
}

std::optional<std::string> SealingKey::open(std::string_view sealed, std::string_view associated) const {
  if (!sealed.starts_with(kVersion)) return std::nullopt;
  auto raw = base64url_decode(sealed.substr(kVersion.size()));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return std::nullopt;
  const std::size_t body = raw->size() - kNonceBytes - kTagBytes;
  std::string out(body, '\0');
  std::string tag = raw->substr(kNonceBytes + body);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0, last = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), u(std::string_view(*raw))) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &n, u(associated), len(associated.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), u(out), &n, u(std::string_view(*raw)) + kNonceBytes, len(body)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), u(out) + n, &last) != 1)
    return std::nullopt;  // the tag did not verify: another key, another row, or tampering
  return out;
}

}  // namespace latchkey::crypto
