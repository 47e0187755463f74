#pragma once
// Usernames as people type them: trimmed, Unicode NFC-normalised (so "é"
// typed as one or two code points is one name) and compared without case
// (Unicode case folding, so "Alice" and "ALICE" are one account).
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::auth {

struct Username {
  std::string display;  // trimmed and NFC: what the user chose
  std::string key;      // NFC and case-folded: what identifies the account
};

// nullopt when the name is empty after trimming, longer than `max_chars`
// characters, or has control characters. Expects valid UTF-8.
std::optional<Username> normalize_username(std::string_view raw, std::size_t max_chars);

}  // namespace latchkey::auth
