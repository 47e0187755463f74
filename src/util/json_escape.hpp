#pragma once
// JSON string escaping, for text written straight into JSON (log lines,
// answers built in place) without a JSON value in between.
#include <string>
#include <string_view>

namespace latchkey {

// Appends `text` to `out` escaped for the inside of a JSON string: `"` and
// `\` with a backslash, newline, carriage return and tab as \n \r \t, every
// other control character (below 0x20) as \u00xx. Everything else, UTF-8
// included, is copied as it is (the caller's text is expected to be UTF-8).
// Allocates only when `out` must grow.
void append_json_escaped(std::string& out, std::string_view text);

// The same between double quotes: `text` as a JSON string.
void append_json_string(std::string& out, std::string_view text);

}  // namespace latchkey
