#pragma once
#include <string>
#include <string_view>

namespace latchkey::auth {

// A short description of the client behind a User-Agent, for session lists:
// "Firefox on Linux", "Safari on iOS", "curl". Best effort, never empty.
std::string describe_device(std::string_view user_agent);

}  // namespace latchkey::auth
