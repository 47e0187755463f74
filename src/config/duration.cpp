#include "config/duration.hpp"

#include <charconv>

namespace latchkey::config {

std::optional<UnixSeconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  UnixSeconds unit = 1;
  switch (text.back()) {
    case 's': unit = 1; text.remove_suffix(1); break;
    case 'm': unit = 60; text.remove_suffix(1); break;
    case 'h': unit = 3600; text.remove_suffix(1); break;
    case 'd': unit = 86400; text.remove_suffix(1); break;
    default: break;
  }
  UnixSeconds n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n <= 0) return std::nullopt;
  constexpr UnixSeconds kMax = 100LL * 366 * 86400;
  if (n > kMax / unit) return std::nullopt;
  return n * unit;
}

}  // namespace latchkey::config
