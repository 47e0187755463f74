// latchkey clients add|list|show|update|delete|rotate-secret: the registered
// OAuth clients, as /admin/clients does them (oidc::ClientAdmin, actor
// "cli"). Metadata is RFC 7591's, as JSON (--metadata, --metadata-file), with
// flags for the common members on top. A secret (and a new client's
// registration access token) is printed once, by the command that made it;
// show and list say only whether there is one.
#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "api/admin_json.hpp"
#include "api/json_io.hpp"
#include "cli/admin_commands.hpp"
#include "cli/cli_output.hpp"
#include "oidc/client_admin.hpp"

namespace latchkey::cli {

namespace json = boost::json;

namespace {

constexpr const char* kUsageText =
    "usage: latchkey clients add [METADATA] | list [--limit N] | show ID | update ID [METADATA] | delete ID | "
    "rotate-secret ID  (--json for JSON); METADATA: --metadata JSON | --metadata-file PATH, and --name NAME, "
    "--redirect-uri URI (repeatable), --grant-type TYPE (repeatable), --public, --first-party";

std::string describe(const oidc::RegistryFailure& f) {
  switch (f.error) {
    case oidc::RegistryError::invalid_metadata: return f.metadata.code + ": " + f.metadata.description;
    case oidc::RegistryError::not_found: return "no such client";
    case oidc::RegistryError::unauthorized: break;  // no secret is checked here
    case oidc::RegistryError::unavailable: return "the database is unavailable; try again";
  }
  return "internal error";
}

tl::expected<std::string, std::string> read_text(const std::string& path) {
  std::ostringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return tl::unexpected("cannot read " + path);
    text << in.rdbuf();
  }
  return text.str();
}

json::array strings(const std::vector<std::string>& v) { return json::array(v.begin(), v.end()); }

// The metadata to send: the document given (or, for an update without one,
// the client's current metadata), then the flags on top of it.
tl::expected<json::object, std::string> metadata_of(const ClientFlags& f, std::optional<json::object> current) {
  if (f.metadata && f.metadata_file) return tl::unexpected(std::string("give --metadata or --metadata-file, not both"));
  json::object m;
  bool given = false;
  if (f.metadata || f.metadata_file) {
    auto text = f.metadata ? tl::expected<std::string, std::string>(*f.metadata) : read_text(*f.metadata_file);
    if (!text) return tl::unexpected(text.error());
    auto o = api::parse_object(*text);
    if (!o) return tl::unexpected(std::string("the metadata must be one JSON object (each member once)"));
    m = std::move(*o);
    given = true;
  } else if (current) {
    m = std::move(*current);
  }
  if (f.name) m["client_name"] = *f.name;
  if (!f.redirect_uris.empty()) m["redirect_uris"] = strings(f.redirect_uris);
  if (!f.grant_types.empty()) {
    m["grant_types"] = strings(f.grant_types);
    // response_types follows the grants (RFC 7591 2.1), unless the document says otherwise.
    if (!given || !m.contains("response_types")) {
      const bool code = std::find(f.grant_types.begin(), f.grant_types.end(), "authorization_code") !=
                        f.grant_types.end();
      m["response_types"] = code ? json::array{"code"} : json::array{};
    }
  }
  if (f.public_client) m["token_endpoint_auth_method"] = "none";
  if (f.first_party) m["first_party"] = true;
  return m;
}

std::string joined(const std::vector<std::string>& v, const char* separator = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : separator) + s;
  return out.empty() ? "-" : out;
}

std::string kind_of(const oidc::Client& c) {
  return c.metadata.is_public() ? "public" : "confidential";
}

// The secrets just issued, said once and said so.
void print_secrets(const oidc::Registration& r) {
  if (!r.secret.empty()) std::printf("client_secret:             %s\n", r.secret.c_str());
  if (!r.registration_token.empty())
    std::printf("registration_access_token: %s\n", r.registration_token.c_str());
  if (!r.secret.empty() || !r.registration_token.empty())
    std::printf("(shown this once: keep %s now)\n", r.registration_token.empty() ? "it" : "them");
}

int list(oidc::ClientRegistry& registry, const CliOptions& o) {
  // Every client (or the first --limit), a page at a time.
  std::vector<oidc::Client> all;
  std::string after;
  const std::size_t want = o.limit.value_or(SIZE_MAX);
  while (all.size() < want) {
    const std::size_t ask = std::min<std::size_t>(1000, want - all.size());
    auto page = registry.list(after, ask);
    if (!page) return fail("clients list: " + describe(page.error()));
    if (page->empty()) break;
    after = page->back().id;
    const bool full = page->size() == ask;
    all.insert(all.end(), std::make_move_iterator(page->begin()), std::make_move_iterator(page->end()));
    if (!full) break;
  }
  if (o.json) {
    json::array out;
    for (const auto& c : all) out.push_back(api::client_json(c));
    print_json(json::object{{"clients", std::move(out)}});
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : all) {
    rows.push_back({c.id, c.metadata.client_name.empty() ? "-" : c.metadata.client_name, kind_of(c),
                    joined(c.metadata.grant_types, ","), c.metadata.first_party ? "yes" : "no",
                    format_rfc3339(c.created_at)});
  }
  print_table({"CLIENT_ID", "NAME", "TYPE", "GRANTS", "FIRST_PARTY", "CREATED"}, rows);
  return kOk;
}

int show(const oidc::Client& c, const CliOptions& o) {
  if (o.json) {
    print_json(api::client_json(c));
    return kOk;
  }
  const oidc::ClientMetadata& m = c.metadata;
  std::vector<std::vector<std::string>> rows = {
      {"client_id:", c.id},
      {"name:", m.client_name.empty() ? "-" : m.client_name},
      {"type:", kind_of(c) + " (" + std::string(oidc::name_of(m.token_endpoint_auth_method)) + ")"},
      {"secret:", c.has_secret ? "set (shown only when issued)" : "none"},
      {"redirect_uris:", joined(m.redirect_uris)},
      {"post_logout_redirect_uris:", joined(m.post_logout_redirect_uris)},
      {"grant_types:", joined(m.grant_types)},
      {"response_types:", joined(m.response_types)},
      {"scope:", m.scope.empty() ? "-" : m.scope},
      {"id_token_alg:", m.id_token_signed_response_alg},
      {"backchannel_logout_uri:", m.backchannel_logout_uri.empty() ? "-" : m.backchannel_logout_uri},
      {"jwks:", m.jwks ? "set" : "-"},
      {"first_party:", m.first_party ? "yes" : "no"},
      {"created:", format_rfc3339(c.created_at)},
      {"updated:", format_rfc3339(c.updated_at)},
  };
  for (const auto& row : rows) std::printf("%-27s%s\n", row[0].c_str(), row[1].c_str());
  return kOk;
}

// "deleted client X" or {"message": ...}
int done(const CliOptions& o, const std::string& message, const std::string& json_message) {
  if (o.json) print_json(json::object{{"message", json_message}});
  else std::printf("%s\n", message.c_str());
  return kOk;
}

}  // namespace

int clients_command(const config::Config&, store::Store& store, const std::vector<std::string>& words,
                    const CliOptions& o, const ClientFlags& f) {
  if (words.size() < 2) return fail(kUsageText, kUsage);
  const std::string& action = words[1];
  if (o.user || o.session || o.ip || o.all || o.password_stdin)
    return fail("clients: --user, --session, --ip, --all and --password-stdin belong to other commands", kUsage);
  if (words.size() != (action == "list" || action == "add" ? 2u : 3u)) return fail(kUsageText, kUsage);
  if (o.limit && action != "list") return fail("clients: --limit goes with list", kUsage);
  if (f.any() && action != "add" && action != "update")
    return fail("clients: metadata options go with add and update", kUsage);

  auth::AuditLog audit(store);
  oidc::ClientRegistry registry(store.clients(), now_unix);
  const oidc::ClientAdmin clients(registry, audit);
  const auth::Actor actor{"cli"};
  if (action == "list") return list(registry, o);
  if (action == "add") {
    auto metadata = metadata_of(f, std::nullopt);
    if (!metadata) return fail("clients add: " + metadata.error(), kUsage);
    auto r = clients.add(*metadata, true, actor);
    if (!r) return fail("clients add: " + describe(r.error()));
    if (o.json) {
      print_json(api::registration_json(*r));
      return kOk;
    }
    std::printf("created %s client %s\n", kind_of(r->client).c_str(), r->client.id.c_str());
    print_secrets(*r);
    return kOk;
  }
  const std::string& id = words[2];
  const std::string quoted = " '" + id + "'";
  if (action == "show") {
    auto c = registry.find(id);
    if (!c) return fail("clients show: " + describe(c.error()) + quoted);
    return show(*c, o);
  }
  if (action == "update") {
    if (!f.any()) return fail("clients update: give the new metadata (--metadata, --metadata-file or flags)", kUsage);
    std::optional<json::object> current;
    if (!f.metadata && !f.metadata_file) {
      // Flags alone change the client's metadata as it is.
      auto c = registry.find(id);
      if (!c) return fail("clients update: " + describe(c.error()) + quoted);
      current = oidc::to_json(c->metadata);
    }
    auto metadata = metadata_of(f, std::move(current));
    if (!metadata) return fail("clients update: " + metadata.error(), kUsage);
    auto r = clients.update(id, *metadata, true, actor);
    if (!r) return fail("clients update: " + describe(r.error()) + quoted);
    if (o.json) {
      print_json(api::registration_json(*r));
      return kOk;
    }
    std::printf("updated client %s\n", id.c_str());
    print_secrets(*r);
    return kOk;
  }
  if (action == "delete") {
    auto r = clients.remove(id, actor);
    if (!r) return fail("clients delete: " + describe(r.error()) + quoted);
    return done(o, "deleted client " + id, "Client deleted");
  }
  if (action == "rotate-secret") {
    auto r = clients.rotate_secret(id, actor);
    if (!r) return fail("clients rotate-secret: " + describe(r.error()) + quoted);
    if (o.json) {
      print_json(api::registration_json(*r));
      return kOk;
    }
    std::printf("new secret for client %s; the old one no longer works\n", id.c_str());
    print_secrets(*r);
    return kOk;
  }
  return fail("clients: unknown action '" + action + "'; " + kUsageText, kUsage);
}

}  // namespace latchkey::cli
