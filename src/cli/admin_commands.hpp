#pragma once
// `latchkey user ...`, `latchkey sessions ...`, `latchkey audit`, `latchkey
// locks ...` and `latchkey clients ...`: the administration commands, run
// against the configured database. Running servers see their changes at once
// (revocations reach them by NOTIFY on PostgreSQL, within 100 ms on SQLite,
// whose servers watch the file for commits; clients are read from the
// database on every use). Each returns the exit code.
#include <string>
#include <vector>

#include "auth/admin.hpp"
#include "cli/cli_options.hpp"
#include "config/config.hpp"
#include "store/store.hpp"

namespace latchkey::cli {

// The administration settings that follow from the configuration.
auth::AdminOptions admin_options(const config::Config& cfg);
// Which signing keys the configuration asks for (SECRET_KEY, JWT_ALG, token lifetimes).
auth::KeyPolicy key_policy(const config::Config& cfg);

// words: the command line's leading words, starting with the command name.
int user_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                 const CliOptions& options);
int sessions_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                     const CliOptions& options);
int audit_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                  const CliOptions& options);
// `latchkey locks list [--user NAME] [--ip IP] | clear (--user NAME | --ip IP)`.
int locks_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                  const CliOptions& options);

// `latchkey mail list [--limit N] | retry ID` (mail_command.cpp).
int mail_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                 const CliOptions& options);

// `latchkey clients add|list|show|update|delete|rotate-secret` (clients_command.cpp).
int clients_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                    const CliOptions& options, const ClientFlags& flags);

// `latchkey keys list | rotate [ALG] [--now]` (keys_command.cpp).
int keys_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                 bool now_flag);
// `latchkey copy-store --from URL --to URL`: the content of one database
// into another, empty one (e.g. SQLite to PostgreSQL).
int copy_store(store::Store& source, store::Store& target, const std::string& from, const std::string& to);

}  // namespace latchkey::cli
