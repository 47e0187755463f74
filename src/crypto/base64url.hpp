#pragma once
// base64url without padding (RFC 4648 section 5), as JWTs use it.
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::crypto {

std::string base64url_encode(std::string_view bytes);

// Strict: refuses padding, whitespace and any character outside the alphabet.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace latchkey::crypto
