// latchkey audit [--user NAME] [--limit N] [--json]
#include <boost/json.hpp>

#include <algorithm>

#include "api/admin_json.hpp"
#include "cli/admin_commands.hpp"
#include "cli/cli_output.hpp"

namespace latchkey::cli {

namespace json = boost::json;

int audit_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                  const CliOptions& o) {
  if (words.size() != 1 || o.session || o.all || o.password_stdin)
    return fail("usage: latchkey audit [--user NAME] [--limit N] [--json]", kUsage);
  auth::AuditLog audit(store);
  auth::Admin admin(store, admin_options(cfg), audit, now_unix);
  std::optional<std::string_view> who;
  if (o.user) who = *o.user;
  auto rows = admin.audit(who, o.limit.value_or(100));
  if (!rows) return fail("audit: " + describe(rows.error()));
  if (o.json) {
    json::array out;
    for (const auto& e : *rows) out.push_back(api::event_json(e));
    print_json(json::object{{"events", std::move(out)}});
    return kOk;
  }
  // The most recent events, read as a log: oldest first.
  std::vector<std::vector<std::string>> table;
  for (auto it = rows->rbegin(); it != rows->rend(); ++it) {
    const auto& e = *it;
    table.push_back({format_rfc3339(e.at), e.event, e.actor, e.username.empty() ? "-" : e.username,
                     e.session_id.empty() ? "-" : e.session_id, e.ip.empty() ? "-" : e.ip,
                     e.detail == "{}" ? "" : e.detail});
  }
  print_table({"TIME", "EVENT", "ACTOR", "USER", "SESSION", "IP", "DETAIL"}, table);
  return kOk;
}

}  // namespace latchkey::cli
