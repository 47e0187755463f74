#pragma once
// Reads a `.env` file: KEY=VALUE lines, `#` comments, an optional `export `
// prefix, values optionally in single or double quotes.
#include <map>
#include <string>

#include <tl/expected.hpp>

namespace latchkey::config {

using Vars = std::map<std::string, std::string, std::less<>>;

// A missing file is an empty set; a malformed line is an error naming it.
tl::expected<Vars, std::string> read_dotenv(const std::string& path);

Vars parse_dotenv(std::string_view text, std::string* error);

}  // namespace latchkey::config
