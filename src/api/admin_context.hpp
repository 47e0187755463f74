#pragma once
// What the admin API's handlers work with (admin_user_handlers.cpp,
// admin_system_handlers.cpp, admin_lock_handlers.cpp,
// admin_client_handlers.cpp), and the helpers they share.
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <tl/expected.hpp>

#include "api/admin_routes.hpp"
#include "api/error_answers.hpp"
#include "api/json_io.hpp"
#include "oidc/client_admin.hpp"

namespace latchkey::api {

struct AdminContext {
  auth::Admin& admin;
  WorkerPool& pool;
  ErrorAnswers errors;
  AdminApiOptions options;
  // With options.clients: its changes, audited where the admin's are.
  std::optional<oidc::ClientAdmin> clients = {};

  // Runs `work` (blocking, returning auth::Expected<T>) on the database
  // lane; `ok` turns its value into the answer.
  template <class Work, class Ok>
  boost::asio::awaitable<http::Response> run(Work work, Ok ok) const {
    auto r = co_await pool.run(std::move(work));
    co_return reply(errors, r, std::move(ok));
  }
};

// Who acts, for the audit trail: the admin API, from where the call came.
inline auth::Actor actor_of(const http::Request& req) {
  return auth::Actor{"admin-api", req.remote_ip, req.header("User-Agent")};
}

inline http::Response bad_request(std::string_view text) { return http::json_error(400, "invalid_request", text); }

// {"message": text} and, when given, "sessions_ended".
http::Response admin_message(unsigned status, std::string_view text, std::optional<std::size_t> ended = std::nullopt);

// The paging parameters of the listings; unknown or malformed ones are 400.
struct Page {
  std::size_t limit = 100;
  std::string after;   // users: a username; clients: a client id
  std::string user;    // audit: one user's events
  std::optional<std::pair<UnixSeconds, std::int64_t>> before;  // audit: "<at>.<seq>" from `next`
};
tl::expected<Page, http::Response> page_of(const http::Request& req);

using AdminHandler = boost::asio::awaitable<http::Response> (*)(const AdminContext&, const http::Request&);

// admin_user_handlers.cpp
boost::asio::awaitable<http::Response> list_users(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> add_user(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> show_user(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> delete_user(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> disable_user(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> enable_user(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> set_password(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> user_sessions(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> revoke_user_sessions(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> revoke_user_session(const AdminContext&, const http::Request&);
// admin_system_handlers.cpp
boost::asio::awaitable<http::Response> user_audit(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> all_audit(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> list_keys(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> rotate_key(const AdminContext&, const http::Request&);
// admin_lock_handlers.cpp
boost::asio::awaitable<http::Response> list_locks(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> user_locks(const AdminContext&, const http::Request&);
// admin_user_handlers.cpp: second factors
boost::asio::awaitable<http::Response> user_factors(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> reset_user_factors(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> clear_user_locks(const AdminContext&, const http::Request&);
// admin_mail_handlers.cpp
boost::asio::awaitable<http::Response> list_mail(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> retry_mail(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> clear_ip_locks(const AdminContext&, const http::Request&);
// admin_consent_handlers.cpp (only with AdminApiOptions::consents)
boost::asio::awaitable<http::Response> user_consents(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> revoke_user_consent(const AdminContext&, const http::Request&);
// admin_client_handlers.cpp (only with AdminApiOptions::clients)
boost::asio::awaitable<http::Response> list_clients(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> add_client(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> show_client(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> update_client(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> delete_client(const AdminContext&, const http::Request&);
boost::asio::awaitable<http::Response> rotate_client_secret(const AdminContext&, const http::Request&);

}  // namespace latchkey::api
