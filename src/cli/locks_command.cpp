// latchkey locks list [--user NAME] [--ip IP] | clear (--user NAME | --ip IP)
// The abuse limits' locks as the database holds them: on PostgreSQL every
// instance's; on SQLite the failed-login and guessing locks the server wrote
// (its sign-up and flood rates live in its memory: the admin API shows those).
#include <boost/json.hpp>

#include <cstdio>

#include "cli/admin_commands.hpp"
#include "cli/cli_output.hpp"

namespace latchkey::cli {

namespace json = boost::json;

namespace {

constexpr const char* kUsageText =
    "usage: latchkey locks list [--user NAME] [--ip IP] | locks clear (--user NAME | --ip IP)  (--json for JSON)";

}  // namespace

int locks_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                  const CliOptions& o) {
  if (words.size() != 2 || o.password_stdin || o.limit || o.session || o.all) return fail(kUsageText, kUsage);
  const std::string& action = words[1];
  const std::string user = o.user.value_or(""), ip = o.ip.value_or("");
  auth::AuditLog audit(store);
  auth::Admin admin(store, admin_options(cfg), audit, now_unix);
  if (action == "list") {
    auto rows = admin.locks(user, ip);
    if (!rows) return fail("locks list: " + describe(rows.error()));
    const UnixSeconds now = now_unix();
    if (o.json) {
      json::array out;
      for (const auto& r : *rows) {
        out.push_back(json::object{{"limit", r.key.limit}, {"account", r.key.account}, {"ip", r.key.ip},
                                   {"failures", r.counter.count}, {"locked_until", r.counter.locked_until},
                                   {"retry_after", r.counter.retry_after(now)}});
      }
      print_json(json::object{{"locks", std::move(out)}});
      return kOk;
    }
    std::vector<std::vector<std::string>> table;
    for (const auto& r : *rows) {
      table.push_back({r.key.limit, r.key.account, r.key.ip, std::to_string(r.counter.count),
                       format_rfc3339(r.counter.locked_until)});
    }
    print_table({"LIMIT", "ACCOUNT", "IP", "FAILURES", "LOCKED UNTIL"}, table);
    return kOk;
  }
  if (action == "clear") {
    if (user.empty() && ip.empty()) return fail(kUsageText, kUsage);
    auto n = admin.clear_locks(user, ip, auth::Actor{"cli"});
    if (!n) return fail("locks clear: " + describe(n.error()));
    if (o.json) print_json(json::object{{"message", "Unlocked"}, {"cleared", *n}});
    else std::printf("cleared %zu counter%s\n", *n, *n == 1 ? "" : "s");
    return kOk;
  }
  return fail("locks: unknown action '" + action + "'; " + kUsageText, kUsage);
}

}  // namespace latchkey::cli
