#pragma once
// RFC 6238 TOTP as authenticator apps compute it: HMAC-SHA-1 (RFC 4226
// HOTP) over the 30-second step counted from the Unix epoch, 6 digits. A
// code is checked against the current step and one step either side (clock
// drift, RFC 6238 5.2); which step matched is returned, so the caller can
// refuse any step not later than the last one accepted (a code works once).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/time.hpp"

namespace latchkey::mfa {

inline constexpr std::int64_t kTotpPeriod = 30;
inline constexpr int kTotpDigits = 6;
inline constexpr std::size_t kTotpSecretBytes = 20;  // 160 bits, RFC 4226 4's recommendation

// The step a time falls in.
constexpr std::int64_t totp_step(UnixSeconds t) { return t / kTotpPeriod; }

// The 6-digit code of `step` (RFC 4226 5.3 dynamic truncation), zero-padded.
std::string totp_code(std::string_view secret, std::int64_t step);

// The step among now-1, now, now+1 whose code is `code`, or nullopt. Every
// candidate is computed and compared in constant time, whatever matches.
// A code that is not exactly 6 ASCII digits matches nothing.
std::optional<std::int64_t> matching_step(std::string_view secret, std::string_view code, UnixSeconds now);

// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
// (the Key Uri Format authenticator apps read), the label parts percent-encoded.
std::string otpauth_uri(std::string_view secret, std::string_view issuer, std::string_view account);

}  // namespace latchkey::mfa
