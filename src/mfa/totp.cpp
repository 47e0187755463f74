#include "mfa/totp.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

#include "crypto/digest.hpp"
#include "mfa/base32.hpp"

namespace latchkey::mfa {

namespace {

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '~';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool six_digits(std::string_view code) {
  if (code.size() != kTotpDigits) return false;
  for (char c : code)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::string totp_code(std::string_view secret, std::int64_t step) {
  std::array<unsigned char, 8> counter{};
  auto c = static_cast<std::uint64_t>(step);
  for (int i = 7; i >= 0; --i, c >>= 8) counter[i] = static_cast<unsigned char>(c & 0xff);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), counter.data(), counter.size(), mac, &mac_len);
  const unsigned offset = mac[mac_len - 1] & 0x0f;
  const std::uint32_t bin = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                            (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                            (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  std::string out = std::to_string(bin % 1000000);
  return std::string(kTotpDigits - out.size(), '0') + out;
}

std::optional<std::int64_t> matching_step(std::string_view secret, std::string_view code, UnixSeconds now) {
  const bool well_formed = six_digits(code);
  const std::int64_t current = totp_step(now);
  std::optional<std::int64_t> found;
  for (std::int64_t step = current - 1; step <= current + 1; ++step) {
    // Compared even when malformed: the time does not tell which failed.
    const bool same = crypto::constant_time_equal(totp_code(secret, step), well_formed ? code : "xxxxxx");
    if (same && well_formed && !found) found = step;
  }
  return found;
}

std::string otpauth_uri(std::string_view secret, std::string_view issuer, std::string_view account) {
  const std::string i = percent_encode(issuer);
  return "otpauth://totp/" + i + ":" + percent_encode(account) + "?secret=" + base32_encode(secret) + "&issuer=" + i +
         "&algorithm=SHA1&digits=6&period=30";
}

}  // namespace latchkey::mfa
