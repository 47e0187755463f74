#include "cli/cli_options.hpp"

#include <charconv>

namespace latchkey::cli {

tl::expected<CliOptions, std::string> take_cli_options(std::vector<std::string>& args) {
  CliOptions o;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json") { o.json = true; continue; }
    if (a == "--all") { o.all = true; continue; }
    if (a == "--password-stdin") { o.password_stdin = true; continue; }
    if (a == "--verified") { o.verified = true; continue; }
    std::string name = a, value;
    bool has_value = false;
    if (const auto eq = a.find('='); a.starts_with("--") && eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    }
    if (name != "--user" && name != "--session" && name != "--limit" && name != "--ip" && name != "--email") {
      rest.push_back(a);
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) return tl::unexpected("option " + name + " needs a value");
      value = args[++i];
    }
    if (value.empty()) return tl::unexpected("option " + name + " needs a value");
    if (name == "--user") o.user = value;
    if (name == "--session") o.session = value;
    if (name == "--ip") o.ip = value;
    if (name == "--email") o.email = value;
    if (name == "--limit") {
      std::size_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || end != value.data() + value.size() || n < 1 || n > 100000)
        return tl::unexpected(std::string("--limit must be a whole number from 1 to 100000"));
      o.limit = n;
    }
  }
  args = std::move(rest);
  return o;
}

tl::expected<ClientFlags, std::string> take_client_flags(std::vector<std::string>& args) {
  ClientFlags f;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--public") { f.public_client = true; continue; }
    if (a == "--first-party") { f.first_party = true; continue; }
    std::string name = a, value;
    bool has_value = false;
    if (const auto eq = a.find('='); a.starts_with("--") && eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    }
    if (name != "--metadata" && name != "--metadata-file" && name != "--name" && name != "--redirect-uri" &&
        name != "--grant-type") {
      rest.push_back(a);
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) return tl::unexpected("option " + name + " needs a value");
      value = args[++i];
    }
    if (value.empty()) return tl::unexpected("option " + name + " needs a value");
    if (name == "--metadata") f.metadata = value;
    if (name == "--metadata-file") f.metadata_file = value;
    if (name == "--name") f.name = value;
    if (name == "--redirect-uri") f.redirect_uris.push_back(value);
    if (name == "--grant-type") f.grant_types.push_back(value);
  }
  args = std::move(rest);
  return f;
}

}  // namespace latchkey::cli
