// latchkey sessions list --user NAME | revoke --user NAME (--session ID | --all)
#include <boost/json.hpp>

#include <cstdio>

#include "api/admin_json.hpp"
#include "cli/admin_commands.hpp"
#include "cli/cli_output.hpp"

namespace latchkey::cli {

namespace json = boost::json;

namespace {

constexpr const char* kUsageText =
    "usage: latchkey sessions list --user NAME | sessions revoke --user NAME (--session ID | --all)  "
    "(--json for JSON)";

}  // namespace

int sessions_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                     const CliOptions& o) {
  if (words.size() != 2 || !o.user || o.password_stdin || o.limit) return fail(kUsageText, kUsage);
  const std::string& action = words[1];
  const std::string& name = *o.user;
  auth::AuditLog audit(store);
  auth::Admin admin(store, admin_options(cfg), audit, now_unix);
  if (action == "list") {
    if (o.session || o.all) return fail(kUsageText, kUsage);
    auto rows = admin.sessions(name);
    if (!rows) return fail("sessions list: " + describe(rows.error()) + " '" + name + "'");
    if (o.json) {
      json::array out;
      for (const auto& s : *rows) out.push_back(api::session_json(s));
      print_json(json::object{{"sessions", std::move(out)}});
      return kOk;
    }
    std::vector<std::vector<std::string>> table;
    for (const auto& s : *rows) {
      table.push_back({s.session.id, format_rfc3339(s.session.created_at), format_rfc3339(s.session.last_used_at),
                       format_rfc3339(s.expires_at), s.device, s.session.ip});
    }
    print_table({"SESSION", "CREATED", "LAST USED", "EXPIRES", "DEVICE", "IP"}, table);
    return kOk;
  }
  if (action == "revoke") {
    if (o.session.has_value() == o.all) return fail(kUsageText, kUsage);
    const auth::Actor actor{"cli"};
    if (o.session) {
      auto r = admin.revoke_session(name, *o.session, actor);
      if (!r) return fail("sessions revoke: " + describe(r.error()) + " ('" + name + "', " + *o.session + ")");
      if (o.json) print_json(json::object{{"message", "Session ended"}, {"sessions_ended", 1}});
      else std::printf("ended session %s of %s\n", o.session->c_str(), name.c_str());
      return kOk;
    }
    auto n = admin.revoke_sessions(name, actor);
    if (!n) return fail("sessions revoke: " + describe(n.error()) + " '" + name + "'");
    if (o.json) print_json(json::object{{"message", "Sessions ended"}, {"sessions_ended", *n}});
    else std::printf("ended %zu session%s of %s\n", *n, *n == 1 ? "" : "s", name.c_str());
    return kOk;
  }
  return fail("sessions: unknown action '" + action + "'; " + kUsageText, kUsage);
}

}  // namespace latchkey::cli
