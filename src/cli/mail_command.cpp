// latchkey mail list [--limit N] [--json] | retry ID
#include <charconv>

#include <boost/json.hpp>

#include "api/admin_json.hpp"
#include "cli/admin_commands.hpp"
#include "cli/cli_output.hpp"

namespace latchkey::cli {

namespace json = boost::json;

namespace {

constexpr std::string_view kUsageText = "usage: latchkey mail list [--limit N] [--json] | retry ID";

std::string status_of(const store::OutboxMail& m) {
  if (m.sent_at) return "sent";
  if (m.gave_up_at) return "failed";
  return "pending";
}

}  // namespace

int mail_command(const config::Config& cfg, store::Store& store, const std::vector<std::string>& words,
                 const CliOptions& o) {
  if (words.size() < 2 || o.user || o.session || o.ip || o.all || o.password_stdin || o.email || o.verified)
    return fail(std::string(kUsageText), kUsage);
  auth::AuditLog audit(store);
  auth::Admin admin(store, admin_options(cfg), audit, now_unix);
  const std::string& action = words[1];
  if (action == "list" && words.size() == 2) {
    auto rows = admin.mail(o.limit.value_or(100));
    if (!rows) return fail("mail list: " + describe(rows.error()));
    if (o.json) {
      json::array out;
      for (const auto& m : *rows) out.push_back(api::mail_json(m));
      print_json(json::object{{"messages", std::move(out)}});
      return kOk;
    }
    std::vector<std::vector<std::string>> table;
    for (const auto& m : *rows) {
      table.push_back({std::to_string(m.id), format_rfc3339(m.created_at), m.kind, m.recipient, status_of(m),
                       std::to_string(m.attempts), m.last_error.empty() ? "-" : m.last_error});
    }
    print_table({"ID", "CREATED", "KIND", "TO", "STATUS", "ATTEMPTS", "LAST ERROR"}, table);
    return kOk;
  }
  if (action == "retry" && words.size() == 3) {
    std::int64_t id = 0;
    const std::string& text = words[2];
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || end != text.data() + text.size() || id < 1)
      return fail("mail retry: ID must be a message's number (see latchkey mail list)", kUsage);
    const auth::Actor actor{"cli"};
    auto r = admin.retry_mail(id, actor);
    if (!r) return fail("mail retry: " + describe(r.error()));
    if (!*r) return fail("mail retry: no message given up has id " + text);
    if (o.json) print_json(json::object{{"message", "The message will be sent again"}, {"id", id}});
    else std::printf("message %s will be sent again by a running server\n", text.c_str());
    return kOk;
  }
  return fail(std::string(kUsageText), kUsage);
}

}  // namespace latchkey::cli
