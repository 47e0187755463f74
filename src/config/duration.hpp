#pragma once
#include <optional>
#include <string_view>

#include "util/time.hpp"

namespace latchkey::config {

// "900" or "900s", "15m", "12h", "30d" into seconds; nullopt when malformed,
// zero, negative or absurdly large (over 100 years).
std::optional<UnixSeconds> parse_duration(std::string_view text);

}  // namespace latchkey::config
