// The mail outbox for administrators: GET /admin/mail (newest first; what
// was sent, what waits, what was given up and why) and POST
// /admin/mail/{id}/retry (a message given up goes again).
#include <charconv>

#include <boost/json.hpp>

#include "api/admin_context.hpp"
#include "api/admin_json.hpp"

namespace latchkey::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

awaitable<Response> list_mail(const AdminContext& api, const Request& req) {
  auto page = page_of(req);
  if (!page) co_return std::move(page.error());
  if (!page->after.empty() || !page->user.empty() || page->before)
    co_return bad_request("GET /admin/mail takes only limit");
  const std::size_t limit = page->limit;
  co_return co_await api.run([&] { return api.admin.mail(limit); }, [](const std::vector<store::OutboxMail>& rows) {
    json::array out;
    for (const auto& m : rows) out.emplace_back(mail_json(m));
    return json_response(200, json::object{{"messages", std::move(out)}});
  });
}

awaitable<Response> retry_mail(const AdminContext& api, const Request& req) {
  const std::string_view text = req.param("id");
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id < 1)
    co_return http::json_error(404, "mail_not_found", "No message has this id");
  const auth::Actor actor = actor_of(req);
  co_return co_await api.run([&] { return api.admin.retry_mail(id, actor); }, [](bool retried) {
    if (!retried) return http::json_error(404, "mail_not_found", "No message given up has this id");
    return admin_message(200, "The message will be sent again");
  });
}

}  // namespace latchkey::api
