#pragma once
// `latchkey user ...`, `latchkey sessions ...` and `latchkey audit`: the
// administration commands, run against the configured database. Running
// servers see their changes at once (revocations reach them by NOTIFY on
// PostgreSQL, by a poll every 250 ms on SQLite). Each returns the exit code.
#include <string>
#include <vector>

#include "auth/admin.hpp"
#include "cli/cli_options.hpp"
#include "config/config.hpp"
#include "store/store.hpp"

namespace latchkey::cli {

// The administration settings that follow from the configuration.
auth::AdminOptions admin_options(const config::Config& cfg);

// words: the command line's leading words, starting with the command name.
int user_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                 const CliOptions& options);
int sessions_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                     const CliOptions& options);
int audit_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                  const CliOptions& options);

}  // namespace latchkey::cli
