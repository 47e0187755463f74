#pragma once
// SHA-256, HMAC-SHA-256 and constant-time comparison (thin wrappers).
#include <span>
#include <string>
#include <string_view>

namespace latchkey::crypto {

// 32 raw bytes.
std::string sha256(std::string_view data);

// SHA-256 of `data` into `out`, allocation-free: a context per thread is
// reused, so OpenSSL's SHA extensions serve hot paths (the verified-token
// cache's key) at a quarter of libsodium's portable code's cost.
void sha256_into(std::string_view data, std::span<unsigned char, 32> out);

// What is stored of a random secret token (refresh tokens, cookie handles,
// authorization codes, client secrets): its SHA-256, base64url. A plain
// hash suffices: the tokens carry 128 bits or more of randomness, so no
// dictionary applies (passwords, which do, get argon2id).
std::string token_digest(std::string_view token);
// 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);

// Time depends only on the lengths, never on the contents.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace latchkey::crypto
