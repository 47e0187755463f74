// latchkey: authentication and session server.
//   latchkey [serve|run] [--flags]  serve the API (the default command; app/serve.cpp)
//   latchkey migrate                create or upgrade the schema, then exit
//   latchkey keys list | rotate [ALG] [--now]
//   latchkey user ... | sessions ... | audit ... | locks ... | clients ...   administration (src/cli)
//   latchkey copy-store --from URL --to URL
//   latchkey --help | --version
// This file reads the command line and hands over; the server is built in app/.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "app/open_database.hpp"
#include "app/serve.hpp"
#include "cli/admin_commands.hpp"
#include "config/config.hpp"
#include "crypto/random.hpp"
#include "util/log.hpp"
#include "util/version.hpp"

namespace {

using namespace latchkey;
using app::fail;
using app::open_database;

void print_usage() {
  std::printf(
      "%s: authentication and session server\n\n"
      "Usage:\n"
      "  latchkey [serve|run] [options]    serve the HTTP API (default; `run` as the seed's guide says)\n"
      "  latchkey migrate [options]        create or upgrade the database schema, then exit\n"
      "  latchkey keys list [options]      the signing keys and their state\n"
      "  latchkey keys rotate [ALG] [--now]\n"
      "                                    add a signing key (JWT_ALG's, or RS256's for ID tokens);\n"
      "                                    it signs after KEY_PUBLISH_DELAY\n"
      "                                    (--now: at once, for a compromised key)\n"
      "  latchkey user add NAME [--password-stdin] [--email ADDRESS [--verified]]\n"
      "                                    create a user (password read from stdin)\n"
      "  latchkey user list | show NAME | disable NAME | enable NAME | delete NAME\n"
      "  latchkey user set-password NAME [--password-stdin]   ends the user's sessions\n"
      "  latchkey sessions list --user NAME\n"
      "  latchkey sessions revoke --user NAME (--session ID | --all)\n"
      "  latchkey audit [--user NAME] [--limit N]   the audit trail, newest last\n"
      "  latchkey locks list [--user NAME] [--ip IP]   abuse-limit locks now in force\n"
      "  latchkey locks clear (--user NAME | --ip IP)  end them (an account's, an address's, or both)\n"
      "  latchkey mail list [--limit N]    the mail outbox, newest first: sent, waiting, given up\n"
      "  latchkey mail retry ID            send a message that was given up again\n"
      "  latchkey clients add [METADATA]   register an OAuth client; its secret is printed once\n"
      "  latchkey clients list [--limit N] | show ID | delete ID\n"
      "  latchkey clients update ID METADATA   --metadata replaces the metadata; flags alone change it\n"
      "  latchkey clients rotate-secret ID     a new secret, printed once; the old one stops working\n"
      "                                    METADATA: --metadata JSON | --metadata-file PATH (- for stdin),\n"
      "                                    --name NAME, --redirect-uri URI (repeatable),\n"
      "                                    --grant-type TYPE (repeatable), --public, --first-party\n"
      "                                    (user, sessions, audit, locks, mail and clients take --json)\n"
      "  latchkey copy-store --from URL --to URL\n"
      "                                    copy users, sessions and keys into an empty database\n"
      "                                    (e.g. sqlite://latchkey.db to postgres://...)\n"
      "  latchkey --help | --version\n\n"
      "Settings come from the environment, then a .env file in the working directory,\n"
      "then options, each overriding the one before:\n\n%s",
      version_line().c_str(), config::settings_help().c_str());
}

// The command line: leading words name the command, options follow.
struct CommandLine {
  std::vector<std::string> words;
  std::vector<std::string> flags;  // what config::load reads
  bool now_flag = false;           // keys rotate --now
  std::string copy_from, copy_to;  // copy-store --from --to
  std::string command() const { return words.empty() ? "serve" : words.front(); }
};

CommandLine parse_command_line(std::vector<std::string> args) {
  CommandLine cl;
  // Options are all --name (and -h); a word may start with one '-' (an id
  // in base64url: "-0SL1_Sw...").
  auto is_word = [](const std::string& a) { return !a.starts_with("--") && a != "-h"; };
  while (!args.empty() && is_word(args.front())) {
    cl.words.push_back(args.front());
    args.erase(args.begin());
  }
  std::erase_if(args, [&](const std::string& a) {
    if (a != "--now") return false;
    cl.now_flag = true;
    return true;
  });
  for (std::size_t i = 0; i < args.size();) {
    const bool is_from = args[i] == "--from", is_to = args[i] == "--to";
    if ((is_from || is_to) && i + 1 < args.size()) {
      (is_from ? cl.copy_from : cl.copy_to) = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
    } else {
      ++i;
    }
  }
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") cl.words = {"help"};
    if (a == "--version") cl.words = {"version"};
  }
  if (!cl.words.empty() && cl.words.front() == "run") cl.words.front() = "serve";  // the seed's name for it
  cl.flags = std::move(args);
  return cl;
}

void apply_log_settings(const config::Config& cfg) {
  if (cfg.log_format == "json") log::set_format(log::Format::json);
  if (cfg.log_format == "text") log::set_format(log::Format::text);
  if (cfg.log_level == "debug") log::set_level(log::Level::debug);
  if (cfg.log_level == "warn") log::set_level(log::Level::warn);
  if (cfg.log_level == "error") log::set_level(log::Level::error);
}

bool is_admin_command(const std::string& c) {
  return c == "user" || c == "sessions" || c == "audit" || c == "locks" || c == "clients" || c == "mail";
}

// Every command but help and version, once the settings are read.
int run_command(const CommandLine& cl, const config::Config& cfg, const cli::CliOptions& cli_options,
                const cli::ClientFlags& client_flags) {
  const std::string command = cl.command();
  if (command == "serve") {
    if (cl.words.size() > 1) return fail("unexpected argument '" + cl.words[1] + "'", 2);
    return app::serve(cfg);
  }
  if (command == "copy-store") {
    if (cl.copy_from.empty() || cl.copy_to.empty()) return fail("usage: latchkey copy-store --from URL --to URL", 2);
    config::Config src = cfg, dst = cfg;
    src.database_url = cl.copy_from;
    dst.database_url = cl.copy_to;
    auto source = open_database(src);
    if (!source) return source.error();
    auto target = open_database(dst);
    if (!target) return target.error();
    return cli::copy_store(**source, **target, cl.copy_from, cl.copy_to);
  }
  auto db = open_database(cfg);
  if (!db) return db.error();
  if (command == "keys") return cli::keys_command(cfg, **db, cl.words, cl.now_flag);
  if (command == "user") return cli::user_command(cfg, **db, cl.words, cli_options);
  if (command == "sessions") return cli::sessions_command(cfg, **db, cl.words, cli_options);
  if (command == "audit") return cli::audit_command(cfg, **db, cl.words, cli_options);
  if (command == "locks") return cli::locks_command(cfg, **db, cl.words, cli_options);
  if (command == "mail") return cli::mail_command(cfg, **db, cl.words, cli_options);
  if (command == "clients") return cli::clients_command(cfg, **db, cl.words, cli_options, client_flags);
  std::printf("database schema is up to date\n");  // migrate: opening it migrated it
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine cl = parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
  const std::string command = cl.command();
  if (command == "help") {
    print_usage();
    return 0;
  }
  if (command == "version") {
    std::printf("%s\n", version_line().c_str());
    return 0;
  }
  if (command != "serve" && command != "migrate" && command != "keys" && command != "copy-store" &&
      !is_admin_command(command))
    return fail("unknown command '" + command + "' (see --help)", 2);
  cli::CliOptions cli_options;
  if (is_admin_command(command)) {
    auto taken = cli::take_cli_options(cl.flags);
    if (!taken) return fail(taken.error(), 2);
    cli_options = std::move(*taken);
  }
  cli::ClientFlags client_flags;
  if (command == "clients") {
    auto taken = cli::take_client_flags(cl.flags);
    if (!taken) return fail(taken.error(), 2);
    client_flags = std::move(*taken);
  }
  if (cl.now_flag && command != "keys") return fail("--now only goes with `keys rotate`", 2);
  try {
    crypto::init();
    auto dotenv = config::read_dotenv(".env");
    if (!dotenv) return fail(dotenv.error(), 2);
    auto cfg = config::load(config::process_environment(), *dotenv, cl.flags);
    if (!cfg) return fail(cfg.error(), 2);
    apply_log_settings(*cfg);
    return run_command(cl, *cfg, cli_options, client_flags);
  } catch (const std::exception& e) {
    return fail(std::string("fatal: ") + e.what(), 1);
  }
}
