#pragma once
// The options of the administration commands (`user`, `sessions`, `audit`, `locks`),
// taken out of the command line before the rest is read as settings.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace latchkey::cli {

struct CliOptions {
  bool json = false;            // --json: one JSON document on stdout
  bool all = false;             // --all
  bool password_stdin = false;  // --password-stdin: the password is the first line of stdin
  std::optional<std::string> user;     // --user NAME
  std::optional<std::string> session;  // --session ID
  std::optional<std::string> ip;       // --ip ADDRESS
  std::optional<std::size_t> limit;    // --limit N
};

// Removes these options from `args`; the error is a one-line usage message.
tl::expected<CliOptions, std::string> take_cli_options(std::vector<std::string>& args);

}  // namespace latchkey::cli
