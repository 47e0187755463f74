#include "mfa/base32.hpp"

namespace latchkey::mfa {

std::string base32_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

std::string grouped(std::string_view text, std::size_t n, char sep) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += n) {
    if (i) out.push_back(sep);
    out.append(text.substr(i, n));
  }
  return out;
}

}  // namespace latchkey::mfa
