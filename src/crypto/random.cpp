#include "crypto/random.hpp"

#include <sodium.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string_view>

#include "crypto/base64url.hpp"

namespace latchkey::crypto {

void init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

std::string random_token(std::size_t n) { return base64url_encode(random_bytes(n)); }

std::string buffered_random_token(std::size_t n) {
  struct Pool {
    std::array<unsigned char, 4096> bytes;
    std::size_t used = 4096;  // empty until first use
  };
  thread_local Pool pool;
  if (n > pool.bytes.size()) return random_token(n);
  if (pool.bytes.size() - pool.used < n) {
    randombytes_buf(pool.bytes.data(), pool.bytes.size());
    pool.used = 0;
  }
  const std::string_view taken(reinterpret_cast<const char*>(pool.bytes.data() + pool.used), n);
  std::string out = base64url_encode(taken);
  sodium_memzero(pool.bytes.data() + pool.used, n);  // handed out once only
  pool.used += n;
  return out;
}

std::string time_ordered_token(std::size_t n) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string bytes(6 + n, '\0');
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<char>((static_cast<std::uint64_t>(ms) >> (8 * (5 - i))) & 0xff);
  randombytes_buf(bytes.data() + 6, n);
  return base64url_encode(bytes);
}

std::string random_uuid() {
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return std::string(out, 36);
}

}  // namespace latchkey::crypto
