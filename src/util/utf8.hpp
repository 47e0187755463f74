#pragma once
// UTF-8 checks for text that arrives outside JSON (headers) and is later
// written into JSON, and character counts for length rules.
#include <cstddef>
#include <string>
#include <string_view>

namespace latchkey {

// At most `max_bytes` of `s`, cut on a character boundary, with every
// ill-formed sequence replaced by U+FFFD: always valid UTF-8.
std::string sanitize_utf8(std::string_view s, std::size_t max_bytes);

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s);

// Number of code points in valid UTF-8 text (continuation bytes not counted).
std::size_t utf8_length(std::string_view s);

}  // namespace latchkey
