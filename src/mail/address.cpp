#include "mail/address.hpp"

#include <algorithm>

namespace latchkey::mail {

namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// RFC 5322 3.2.3 atext: the characters of a dot-atom's atoms.
bool is_atext(char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return is_alnum(c) || kSpecials.find(c) != std::string_view::npos;
}

// A dot-atom: atoms of atext joined by single dots, none empty.
bool dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.' ? prev == '.' : !is_atext(c)) return false;
    prev = c;
  }
  return true;
}

// A domain name of LDH labels (RFC 5890's hostname syntax), at least two
// labels, each 1 to 63 characters, none starting or ending with '-', the
// last not all digits (that would be an IP address, refused here).
bool domain_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxDomain) return false;
  std::size_t labels = 0;
  bool last_all_digits = false;
  for (std::size_t start = 0; start <= s.size();) {
    const std::size_t end = std::min(s.find('.', start), s.size());
    const std::string_view label = s.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; })) return false;
    last_all_digits = std::all_of(label.begin(), label.end(), [](char c) { return c >= '0' && c <= '9'; });
    ++labels;
    start = end + 1;
  }
  return labels >= 2 && !last_all_digits;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

tl::expected<std::string, std::string> normalise_address(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.empty()) return tl::unexpected(std::string("an email address is empty"));
  if (s.size() > kMaxAddress) return tl::unexpected(std::string("an email address is at most 254 characters"));
  const std::size_t at = s.rfind('@');
  if (at == std::string_view::npos) return tl::unexpected(std::string("an email address needs an @"));
  const std::string_view local = s.substr(0, at);
  const std::string_view domain = s.substr(at + 1);
  if (local.empty() || local.size() > kMaxLocalPart || !dot_atom(local))
    return tl::unexpected(std::string("the part before the @ is not a valid mailbox name"));
  if (!domain_name(domain)) return tl::unexpected(std::string("the part after the @ is not a valid domain name"));
  std::string out(s);
  std::transform(out.begin() + static_cast<std::ptrdiff_t>(at) + 1, out.end(), out.begin() + static_cast<std::ptrdiff_t>(at) + 1,
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

std::string masked(std::string_view address) {
  const std::size_t at = address.find('@');
  if (at == std::string_view::npos || at == 0) return "***";
  std::string out(1, address.front());
  out += "***";
  out += address.substr(at);
  return out;
}

std::string_view domain_of(std::string_view address) {
  const std::size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view{} : address.substr(at + 1);
}

}  // namespace latchkey::mail
