// POST /signup, POST /login (and its second step, /login/mfa), POST
// /change_password: the handlers that hash a password, each in two phases
// (api/hash_then_store.hpp).
#include <boost/json.hpp>

#include "api/api_context.hpp"
#include "api/hash_then_store.hpp"
#include "api/json_io.hpp"
#include "api/middleware.hpp"
#include "email/addresses.hpp"

namespace latchkey::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

// An optional "email" is kept unverified, and its verification link sent
// when mail is on (email/flows.hpp).
awaitable<Response> signup(const ApiContext& api, const Request& req) {
  auto in = string_fields<3>(req.body, {"username", "password", "email"});
  if (!in) co_return std::move(in.error());
  std::string address;
  if (auto given = in->get(2); given && !given->empty()) {
    auto normal = email::address_of(*given);
    if (!normal) co_return api.errors(normal.error());
    address = std::move(*normal);
  }
  const auth::Client client = client_of(req);
  UnixSeconds retry_after = 0;
  auto r = co_await hash_then_store(
      api.pool, [&] { return api.email.prepare_signup((*in)[0], (*in)[1], address, client, &retry_after); },
      [&](auth::NewAccount a) { return api.email.complete_signup(std::move(a), client); });
  co_return with_retry_after(
      reply(api.errors, r, [] { return json_response(201, json::object{{"message", "User created successfully"}}); }),
      retry_after);
}

namespace {

// A right password opens a session, or, for a user with a second factor,
// the sign-in's second step (mfa/sign_in_step.hpp).
struct LoginOutcome {
  std::optional<auth::TokenPair> session;
  std::optional<mfa::Challenge> challenge;
};

}  // namespace

Response logged_in(const auth::TokenPair& t) {
  return json_response(200, json::object{
                                {"message", "Login successful"},
                                {"access_token", t.access_token},
                                {"refresh_token", t.refresh_token},
                                {"token_type", "Bearer"},
                                {"expires_in", t.expires_in},
                                {"session_id", t.session_id},
                            });
}

namespace {

Response second_factor_required(const mfa::Challenge& c) {
  json::array methods;
  for (const auto& m : c.methods) methods.emplace_back(m);
  Response r = json_response(401, json::object{{"error", "mfa_required"},
                                               {"message", "A second factor is required: send a code to /login/mfa"},
                                               {"mfa_token", c.mfa_token},
                                               {"methods", std::move(methods)},
                                               {"expires_in", c.expires_in}});
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"latchkey\"");
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

awaitable<Response> login(const ApiContext& api, const Request& req) {
  auto in = string_fields<2>(req.body, {"username", "password"});
  if (!in) co_return std::move(in.error());
  auth::PasswordLogin& logins = api.service.logins();
  mfa::SignInStep& step = api.mfa.sign_in_step();
  const auth::Client client = client_of(req);
  // The password check (and any hash upgrade) first, then the session write
  // (or the second step's challenge).
  UnixSeconds retry_after = 0;
  auto r = co_await hash_then_store(
      api.pool, [&] { return logins.verify_login((*in)[0], (*in)[1], client, &retry_after); },
      [&](auth::VerifiedLogin v) -> auth::Expected<LoginOutcome> {
        auto challenge = step.challenge_if_enrolled(v.user(), client, {});
        if (!challenge) return tl::unexpected(challenge.error());
        if (*challenge) {
          if (v.upgraded_hash()) (void)api.service.store().users().set_password_hash(v.user().id, *v.upgraded_hash());
          return LoginOutcome{std::nullopt, std::move(**challenge)};
        }
        auto pair = logins.complete_login(std::move(v), client);
        if (!pair) return tl::unexpected(pair.error());
        return LoginOutcome{std::move(*pair), std::nullopt};
      });
  co_return with_retry_after(reply(api.errors, r, [](const LoginOutcome& o) {
    return o.challenge ? second_factor_required(*o.challenge) : logged_in(*o.session);
  }), retry_after);
}

// POST /login/mfa: the second step, with the mfa_token /login gave and one
// code: totp_code, recovery_code, or passkey (an assertion, as
// PublicKeyCredential.toJSON() gives it, for /login/mfa/passkey/options' challenge).
awaitable<Response> login_mfa(const ApiContext& api, const Request& req) {
  auto object = parse_object(req.body);
  if (!object) co_return body_error(object.error());
  auto in = string_fields<3>(req.body, {"mfa_token", "totp_code", "recovery_code"});
  if (!in) co_return std::move(in.error());
  if ((*in)[0].empty())
    co_return http::json_error(400, "invalid_request", "mfa_token is required");
  std::optional<mfa::PasskeyAssertion> passkey;
  if (const json::value* p = object->if_contains("passkey")) {
    auto a = passkey_assertion_of(*p);
    if (!a) co_return std::move(a.error());
    passkey = std::move(*a);
  }
  mfa::SignInStep& step = api.mfa.sign_in_step();
  const auth::Client client = client_of(req);
  const mfa::Code code{(*in)[1], (*in)[2], passkey ? &*passkey : nullptr};
  UnixSeconds retry_after = 0;
  auto r = co_await api.pool.run([&]() -> auth::Expected<auth::TokenPair> {
    auto passed = step.pass((*in)[0], code, client, {}, &retry_after);
    if (!passed) return tl::unexpected(passed.error());
    return step.complete(*passed, client);
  });
  co_return with_retry_after(reply(api.errors, r, logged_in), retry_after);
}

awaitable<Response> change_password(const ApiContext& api, const Request& req) {
  const auth::Principal caller = principal_of(req);
  auto in = string_fields<2>(req.body, {"current_password", "new_password"});
  if (!in) co_return std::move(in.error());
  auth::Accounts& accounts = api.service.accounts();
  const auth::Client client = client_of(req);
  // Both hashes first, then the writes.
  auto r = co_await hash_then_store(
      api.pool, [&] { return accounts.verify_password_change(caller, (*in)[0], (*in)[1], client); },
      [&](auth::VerifiedPasswordChange c) { return accounts.complete_password_change(std::move(c), client); });
  co_return reply(api.errors, r, [](std::size_t ended) {
    return json_response(200, json::object{{"message", "Password changed"}, {"sessions_ended", ended}});
  });
}

}  // namespace latchkey::api
