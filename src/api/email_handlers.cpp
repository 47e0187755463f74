// Email addresses and password reset over the JSON API (email/): the
// caller's address (/account/email...), verification links
// (/email/verify) and the two steps of a password reset (/password/forgot,
// /password/reset). Mail itself leaves from the outbox, never from here.
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>

#include "api/api_context.hpp"
#include "api/hash_then_store.hpp"
#include "api/json_io.hpp"
#include "api/middleware.hpp"
#include "mail/address.hpp"

namespace latchkey::api {

namespace json = boost::json;
using auth::AuthError;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

json::value address_json(const std::string& email) { return email.empty() ? json::value(nullptr) : json::value(email); }

Response sent_to(std::string_view email) {
  return json_response(202, json::object{{"status", "verification_sent"},
                                         {"email", email},
                                         {"message", "A link to confirm the address is on its way"}});
}

}  // namespace

awaitable<Response> account_email(const ApiContext& api, const Request& req) {
  const auth::Principal caller = principal_of(req);
  auto r = co_await api.pool.run([&] { return api.email.addresses().current(caller); });
  co_return reply(api.errors, r, [](const store::User& u) {
    return json_response(200, json::object{{"email", address_json(u.email)}, {"email_verified", u.email_verified}});
  });
}

// POST /account/email {email, password}: the new address is verified before
// it takes effect.
awaitable<Response> account_email_change(const ApiContext& api, const Request& req) {
  auto in = string_fields<2>(req.body, {"email", "password"});
  if (!in) co_return std::move(in.error());
  const auth::Principal caller = principal_of(req);
  const auth::Client client = client_of(req);
  email::Addresses& addresses = api.email.addresses();
  if (!addresses.options().mail_on) co_return api.errors(AuthError::mail_unavailable);
  auto address = email::address_of((*in)[0]);
  if (!address) co_return api.errors(address.error());
  UnixSeconds retry_after = 0;
  // The limits (a round trip when shared), argon2id (the password) and the
  // link's write, on the hashing lane: the password check dominates.
  auto r = co_await api.pool.run_hashing([&]() -> auth::Expected<std::string> {
    if (auto ok = api.email.admit_mail_request(*address, client, &retry_after); !ok) return tl::unexpected(ok.error());
    return addresses.change(caller, *address, (*in)[1], client);
  });
  if (!r) co_return api.errors(AuthError::unavailable);
  co_return with_retry_after(reply(api.errors, *r, [](const std::string& e) { return sent_to(e); }), retry_after);
}

awaitable<Response> account_email_resend(const ApiContext& api, const Request& req) {
  const auth::Principal caller = principal_of(req);
  const auth::Client client = client_of(req);
  UnixSeconds retry_after = 0;
  auto r = co_await api.pool.run([&] { return api.email.resend(caller, client, &retry_after); });
  co_return with_retry_after(reply(api.errors, r, [](const std::string& e) { return sent_to(e); }), retry_after);
}

// POST /email/verify {token}
awaitable<Response> email_verify(const ApiContext& api, const Request& req) {
  auto in = string_fields<1>(req.body, {"token"});
  if (!in) co_return std::move(in.error());
  const auth::Client client = client_of(req);
  auto r = co_await api.pool.run([&] { return api.email.addresses().confirm((*in)[0], client); });
  co_return reply(api.errors, r, [](const store::User& u) {
    return json_response(200, json::object{{"email", u.email}, {"email_verified", true}});
  });
}

// POST /password/forgot {email}: the same answer, in the same time, whether
// or not an account has the address: the answer goes before the lookup,
// which runs on the database lane afterwards (ASVS 6.3.8: nothing tells
// an account's existence).
awaitable<Response> password_forgot(const ApiContext& api, const Request& req) {
  auto in = string_fields<1>(req.body, {"email"});
  if (!in) co_return std::move(in.error());
  if (!api.email.options().mail_on) co_return api.errors(AuthError::mail_unavailable);
  auto address = email::address_of((*in)[0]);
  if (!address) co_return api.errors(address.error());
  const auth::Client client = client_of(req);
  UnixSeconds retry_after = 0;
  // The limits on the database lane (a round trip when shared), the same
  // for every address.
  auto admitted = co_await api.pool.run([&] { return api.email.admit_mail_request(*address, client, &retry_after); });
  if (!admitted) co_return api.errors(AuthError::unavailable);
  if (!*admitted) co_return with_retry_after(api.errors(admitted->error()), retry_after);
  const auto executor = co_await boost::asio::this_coro::executor;
  api.email.request_reset_later(api.pool, executor, std::move(*address), client);
  co_return json_response(202, json::object{
                                   {"status", "accepted"},
                                   {"message", "If an account has this verified address, a link to reset its "
                                               "password is on its way"},
                               });
}

// POST /password/reset {token, new_password, totp_code | recovery_code}
awaitable<Response> password_reset(const ApiContext& api, const Request& req) {
  auto in = string_fields<4>(req.body, {"token", "new_password", "totp_code", "recovery_code"});
  if (!in) co_return std::move(in.error());
  if ((*in)[1].empty()) co_return http::json_error(400, "invalid_request", "new_password is required");
  email::PasswordReset& reset = api.email.reset();
  const auth::Client client = client_of(req);
  const mfa::Code code{(*in)[2], (*in)[3], nullptr};
  auto r = co_await hash_then_store(
      api.pool, [&] { return reset.prepare((*in)[0], (*in)[1]); },
      [&](email::PreparedReset prepared) { return reset.complete(prepared, code, client); });
  co_return reply(api.errors, r, [](std::size_t ended) {
    return json_response(200, json::object{{"status", "password_reset"},
                                           {"message", "Password changed; sign in with the new one"},
                                           {"sessions_ended", ended}});
  });
}

}  // namespace latchkey::api
