#pragma once
// The options of the administration commands (`user`, `sessions`, `audit`, `locks`, `clients`),
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
  std::optional<std::string> email;    // --email ADDRESS (user add)
  bool verified = false;               // --verified: the address is vouched for (user add)
};

// Removes these options from `args`; the error is a one-line usage message.
tl::expected<CliOptions, std::string> take_cli_options(std::vector<std::string>& args);

// The options of `latchkey clients add|update` (its metadata), taken out the
// same way; no other command knows them.
struct ClientFlags {
  std::optional<std::string> metadata;       // --metadata JSON: the whole metadata document
  std::optional<std::string> metadata_file;  // --metadata-file PATH ("-": stdin)
  std::optional<std::string> name;           // --name NAME: client_name
  std::vector<std::string> redirect_uris;    // --redirect-uri URI, repeatable
  std::vector<std::string> grant_types;      // --grant-type TYPE, repeatable
  bool public_client = false;                // --public: token_endpoint_auth_method none
  bool first_party = false;                  // --first-party
  bool any() const {
    return metadata || metadata_file || name || !redirect_uris.empty() || !grant_types.empty() || public_client ||
           first_party;
  }
};
tl::expected<ClientFlags, std::string> take_client_flags(std::vector<std::string>& args);

}  // namespace latchkey::cli
