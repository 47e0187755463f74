#pragma once
// Start-up helpers shared by the server and the commands: opening the
// configured database, and failing with one line on stderr.
#include <memory>
#include <string>

#include <tl/expected.hpp>

#include "config/config.hpp"
#include "store/store.hpp"

namespace latchkey::app {

// Prints "latchkey: <why>" on stderr; returns `code`.
int fail(const std::string& why, int code);

// Opens (and migrates) the database of cfg.database_url, or explains why
// not on stderr and gives the exit code (2: a bad URL, 1: cannot open).
tl::expected<std::unique_ptr<store::Store>, int> open_database(const config::Config& cfg);

}  // namespace latchkey::app
