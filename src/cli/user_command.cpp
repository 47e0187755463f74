// latchkey user add|list|show|disable|enable|delete|set-password|factors|reset-factors
#include <boost/json.hpp>

#include <cstdio>

#include "email/addresses.hpp"
#include "api/admin_json.hpp"
#include "cli/admin_commands.hpp"
#include "cli/cli_output.hpp"

namespace latchkey::cli {

namespace json = boost::json;

namespace {

constexpr const char* kUsageText =
    "usage: latchkey user add NAME [--password-stdin] [--email ADDRESS [--verified]] | list [--limit N] | show NAME | disable NAME | "
    "enable NAME | delete NAME | set-password NAME [--password-stdin] | factors NAME | reset-factors NAME  "
    "(--json for JSON)";

std::string status_of(const store::User& u) {
  return u.disabled_at ? "disabled since " + format_rfc3339(*u.disabled_at) : "active";
}

int list(auth::Admin& admin, const CliOptions& o) {
  // Every user (or the first --limit), a page at a time.
  std::vector<store::UserSummary> all;
  std::string after;
  const std::size_t want = o.limit.value_or(SIZE_MAX);
  while (all.size() < want) {
    auto page = admin.list_users(after, std::min<std::size_t>(1000, want - all.size()));
    if (!page) return fail("user list: " + describe(page.error()));
    if (page->empty()) break;
    after = page->back().user.username;
    const bool full = page->size() == std::min<std::size_t>(1000, want - all.size());
    all.insert(all.end(), std::make_move_iterator(page->begin()), std::make_move_iterator(page->end()));
    if (!full) break;
  }
  if (o.json) {
    json::array users;
    for (const auto& u : all) users.push_back(api::user_json(u));
    print_json(json::object{{"users", std::move(users)}});
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& u : all) {
    rows.push_back({u.user.username, u.user.id, format_rfc3339(u.user.created_at),
                    u.user.disabled_at ? "disabled" : "active", std::to_string(u.live_sessions)});
  }
  print_table({"USERNAME", "ID", "CREATED", "STATUS", "SESSIONS"}, rows);
  return kOk;
}

int show(auth::Admin& admin, const std::string& name, const CliOptions& o) {
  auto u = admin.show_user(name);
  if (!u) return fail("user show: " + describe(u.error()) + " '" + name + "'");
  if (o.json) {
    print_json(api::user_json(*u));
    return kOk;
  }
  std::printf("username:  %s\nid:        %s\ncreated:   %s\nstatus:    %s\nsessions:  %lld live\n",
              u->user.username.c_str(), u->user.id.c_str(), format_rfc3339(u->user.created_at).c_str(),
              status_of(u->user).c_str(), static_cast<long long>(u->live_sessions));
  return kOk;
}

// "disabled alice; 2 sessions ended" or {"message": ..., "sessions_ended": 2}
int done(const CliOptions& o, const std::string& message, std::optional<std::size_t> ended = std::nullopt) {
  if (o.json) {
    json::object out{{"message", message}};
    if (ended) out["sessions_ended"] = *ended;
    print_json(out);
  } else if (ended) {
    std::printf("%s; %zu session%s ended\n", message.c_str(), *ended, *ended == 1 ? "" : "s");
  } else {
    std::printf("%s\n", message.c_str());
  }
  return kOk;
}

}  // namespace

int user_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                 const CliOptions& o) {
  if (words.size() < 2) return fail(kUsageText, kUsage);
  const std::string& action = words[1];
  if (o.user || o.session || o.all) return fail("user: --user, --session and --all belong to `sessions`", kUsage);
  if ((o.email || o.verified) && action != "add") return fail("user: --email and --verified go with add", kUsage);
  if (o.password_stdin && action != "add" && action != "set-password")
    return fail("user: --password-stdin goes with add and set-password", kUsage);
  if (action == "list") {
    if (words.size() != 2) return fail(kUsageText, kUsage);
  } else if (words.size() != 3) {
    return fail(kUsageText, kUsage);
  }
  if (o.limit && action != "list") return fail("user: --limit goes with list", kUsage);

  auth::AuditLog audit(store);
  auth::Admin admin(store, admin_options(cfg), audit, now_unix);
  const auth::Actor actor{"cli"};
  if (action == "list") return list(admin, o);
  const std::string& name = words[2];
  const std::string quoted = "'" + name + "'";
  if (action == "show") return show(admin, name, o);
  if (action == "add" || action == "set-password") {
    auto password = read_password(o.password_stdin);
    if (!password) return fail("user " + action + ": " + password.error(), kUsage);
    if (action == "add") {
      std::string address;
      if (o.email) {
        auto normal = email::address_of(*o.email);
        if (!normal) return fail("user add: --email is not a valid address", kUsage);
        address = std::move(*normal);
      } else if (o.verified) {
        return fail("user add: --verified goes with --email", kUsage);
      }
      auto u = admin.add_user(name, *password, actor, address, o.verified);
      if (!u) return fail("user add: " + describe(u.error()) + " (" + quoted + ")");
      if (o.json) print_json(api::user_json(*u));
      else std::printf("created user %s (%s)\n", u->user.username.c_str(), u->user.id.c_str());
      return kOk;
    }
    auto n = admin.set_password(name, *password, actor);
    if (!n) return fail("user set-password: " + describe(n.error()) + " (" + quoted + ")");
    return done(o, "password set for " + name, *n);
  }
  if (action == "disable") {
    auto n = admin.disable_user(name, actor);
    if (!n) return fail("user disable: " + describe(n.error()) + " " + quoted);
    return done(o, "disabled " + name, *n);
  }
  if (action == "enable") {
    auto r = admin.enable_user(name, actor);
    if (!r) return fail("user enable: " + describe(r.error()) + " " + quoted);
    return done(o, "enabled " + name);
  }
  if (action == "factors") {
    auto f = admin.factors(name);
    if (!f) return fail("user factors: " + describe(f.error()) + " " + quoted);
    if (o.json) {
      print_json(api::factors_json(*f));
    } else {
      std::printf("authenticator app:  %s\nrecovery codes:     %lld left\npasskeys:           %lld\n",
                  f->totp ? "enabled" : (f->totp_pending ? "set up, not confirmed" : "none"),
                  static_cast<long long>(f->recovery_codes), static_cast<long long>(f->passkeys));
    }
    return kOk;
  }
  if (action == "reset-factors") {
    auto n = admin.reset_factors(name, actor);
    if (!n) return fail("user reset-factors: " + describe(n.error()) + " " + quoted);
    return done(o, "second factors of " + name + " removed (" + std::to_string(*n) + ")");
  }
  if (action == "delete") {
    auto n = admin.delete_user(name, actor);
    if (!n) return fail("user delete: " + describe(n.error()) + " " + quoted);
    return done(o, "deleted " + name, *n);
  }
  return fail("user: unknown action '" + action + "'; " + kUsageText, kUsage);
}

}  // namespace latchkey::cli
