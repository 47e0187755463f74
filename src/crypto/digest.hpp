#pragma once
// SHA-256, HMAC-SHA-256 and constant-time comparison (thin wrappers).
#include <string>
#include <string_view>

namespace latchkey::crypto {

// 32 raw bytes.
std::string sha256(std::string_view data);

// 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);

// Time depends only on the lengths, never on the contents.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace latchkey::crypto
