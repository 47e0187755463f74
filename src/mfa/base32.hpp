#pragma once
// RFC 4648 base32 without padding: how authenticator apps take a TOTP secret
// (the otpauth:// URI's `secret`), and the alphabet of recovery codes (no 0,
// 1 or 8 to misread).
#include <string>
#include <string_view>

namespace latchkey::mfa {

// Upper case, no padding.
std::string base32_encode(std::string_view bytes);

// `text` in groups of `n` separated by `sep`, for reading aloud or typing.
std::string grouped(std::string_view text, std::size_t n, char sep);

}  // namespace latchkey::mfa
