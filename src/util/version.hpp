#pragma once
// What `latchkey --version` prints. Defined in a file generated at build time
// (cmake/version.cmake), linked into the binary only.
#include <string>
#include <string_view>

namespace latchkey {

// The release: CMake's project version, e.g. "0.1.0".
std::string_view version();
// The git commit built: "1a2b3c4", "1a2b3c4-dirty" (uncommitted changes) or
// "unknown" (built outside git).
std::string_view git_revision();

// "latchkey 0.1.0 (git 1a2b3c4)".
inline std::string version_line() {
  return "latchkey " + std::string(version()) + " (git " + std::string(git_revision()) + ")";
}

}  // namespace latchkey
