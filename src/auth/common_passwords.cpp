#include "auth/common_passwords.hpp"

#include <algorithm>
#include <string>
#include <unordered_set>

namespace latchkey::auth {

// Generated from data/common-passwords.txt by CMake.
extern const std::string_view kCommonPasswordsText;

namespace {

const std::unordered_set<std::string_view>& list() {
  static const std::unordered_set<std::string_view> set = [] {
    std::unordered_set<std::string_view> s;
    std::string_view text = kCommonPasswordsText;
    while (!text.empty()) {
      const auto nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) s.insert(line);
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    }
    return s;
  }();
  return set;
}

}  // namespace

bool is_common_password(std::string_view password) {
  if (list().count(password)) return true;
  std::string lower(password);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return list().count(lower) > 0;
}

std::size_t common_password_count() { return list().size(); }

}  // namespace latchkey::auth
