// Passkeys through the JSON API, for apps that run the WebAuthn ceremonies
// themselves: register one (a fresh password first), sign in with one alone
// (a discoverable passkey, user verification required), use one as the
// second step of /login (/login/mfa/passkey/options, then /login/mfa), and
// list, rename and remove them. Options come as the JSON the browser's
// PublicKeyCredential.parseCreationOptionsFromJSON() /
// parseRequestOptionsFromJSON() take; results are taken as toJSON() gives them.
#include <boost/json.hpp>

#include "api/api_context.hpp"
#include "api/hash_then_store.hpp"
#include "api/json_io.hpp"
#include "api/middleware.hpp"
#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "util/time.hpp"

namespace latchkey::api {

namespace json = boost::json;
using auth::AuthError;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

Response bad(std::string_view text) { return http::json_error(400, "invalid_request", text); }

// A base64url member of `o` (required), decoded; bounded.
tl::expected<std::string, Response> binary(const json::object& o, std::string_view name, bool required = true) {
  const json::value* v = o.if_contains(name);
  if (!v || v->is_null()) {
    if (!required) return std::string();
    return tl::unexpected(bad(std::string(name) + " is required"));
  }
  if (!v->is_string() || v->as_string().size() > 16384)
    return tl::unexpected(bad(std::string(name) + " must be a base64url string"));
  auto decoded = crypto::base64url_decode(v->as_string());
  if (!decoded) return tl::unexpected(bad(std::string(name) + " must be a base64url string"));
  return std::move(*decoded);
}

json::object passkey_json(const store::Passkey& p) {
  json::object o{{"id", p.credential_id},
                 {"name", p.name},
                 {"created_at", format_rfc3339(p.created_at)},
                 {"last_used_at", p.last_used_at ? json::value(format_rfc3339(*p.last_used_at)) : json::value(nullptr)},
                 {"synced", p.backup_eligible}};
  return o;
}

Response options_answer(const json::object& options) {
  Response r = json_response(200, json::object{{"publicKey", options}});
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// What a passkey sign-in's challenge is bound to: the caller's user agent.
std::string caller_binding(const Request& req) { return crypto::token_digest(req.header("User-Agent")); }

}  // namespace

tl::expected<mfa::PasskeyAssertion, Response> passkey_assertion_of(const json::value& v) {
  if (!v.is_object()) return tl::unexpected(bad("passkey must be an object"));
  const json::object& o = v.as_object();
  const json::value* id = o.if_contains("id");
  const json::value* response = o.if_contains("response");
  if (!id || !id->is_string() || id->as_string().empty() || id->as_string().size() > 2048)
    return tl::unexpected(bad("passkey.id is required"));
  if (!response || !response->is_object()) return tl::unexpected(bad("passkey.response is required"));
  const json::object& r = response->as_object();
  mfa::PasskeyAssertion a;
  a.credential_id = std::string(id->as_string());
  auto cdj = binary(r, "clientDataJSON");
  auto data = binary(r, "authenticatorData");
  auto sig = binary(r, "signature");
  auto handle = binary(r, "userHandle", false);
  if (!cdj) return tl::unexpected(std::move(cdj.error()));
  if (!data) return tl::unexpected(std::move(data.error()));
  if (!sig) return tl::unexpected(std::move(sig.error()));
  if (!handle) return tl::unexpected(std::move(handle.error()));
  a.client_data_json = std::move(*cdj);
  a.authenticator_data = std::move(*data);
  a.signature = std::move(*sig);
  a.user_handle = std::move(*handle);
  return a;
}

awaitable<Response> passkey_register_options(const ApiContext& api, const Request& req) {
  mfa::Passkeys& passkeys = api.mfa.passkeys();
  if (!passkeys.available()) co_return api.errors(AuthError::passkeys_unavailable);
  auto in = string_fields<1>(req.body, {"password"});
  if (!in) co_return std::move(in.error());
  if ((*in)[0].empty()) co_return api.errors(AuthError::password_required);
  const auth::Principal caller = principal_of(req);
  const auth::Client client = client_of(req);
  const std::string binding(caller.session_id);
  auto r = co_await hash_then_store(
      api.pool,
      [&] {
        return api.service.accounts().verify_current_password(caller, (*in)[0], client, "mfa_reauthentication_failed");
      },
      [&](store::User user) { return passkeys.registration_options(user, binding); });
  co_return reply(api.errors, r, options_answer);
}

awaitable<Response> passkey_register(const ApiContext& api, const Request& req) {
  auto object = parse_object(req.body);
  if (!object) co_return body_error(object.error());
  auto name = string_field(*object, "name");
  if (!name) co_return wrong_type(name.error());
  const json::value* response = object->if_contains("response");
  if (!response || !response->is_object()) co_return bad("response is required");
  auto cdj = binary(response->as_object(), "clientDataJSON");
  if (!cdj) co_return std::move(cdj.error());
  auto att = binary(response->as_object(), "attestationObject");
  if (!att) co_return std::move(att.error());
  const auth::Principal caller = principal_of(req);
  const auth::Client client = client_of(req);
  const std::string label(name->value_or(""));
  mfa::Passkeys& passkeys = api.mfa.passkeys();
  auto r = co_await api.pool.run([&]() -> auth::Expected<store::Passkey> {
    auto user = api.service.store().users().find_by_id(caller.user_id);
    if (!user) return tl::unexpected(user.error() == store::StoreError::not_found ? AuthError::session_ended
                                                                                  : auth::from_store(user.error()));
    return passkeys.add(*user, *cdj, *att, label, caller.session_id, client);
  });
  co_return reply(api.errors, r, [](const store::Passkey& p) { return json_response(201, passkey_json(p)); });
}

awaitable<Response> passkey_login_options(const ApiContext& api, const Request& req) {
  mfa::Passkeys& passkeys = api.mfa.passkeys();
  if (!passkeys.available()) co_return api.errors(AuthError::passkeys_unavailable);
  // A flood of challenges is a flood of rows: the IP's flood ceiling applies.
  abuse::Limiter& limits = api.service.limits();
  const abuse::Key flood = abuse::per_ip(abuse::Limit::flood, req.remote_ip);
  if (const abuse::Verdict v = limits.peek(flood, now_unix()); !v) {
    limits.count_refusal(v.limit);
    co_return too_many(v);
  }
  const std::string binding = caller_binding(req);
  auto r = co_await api.pool.run([&] { return passkeys.sign_in_options(binding); });
  co_return reply(api.errors, r, options_answer);
}

awaitable<Response> passkey_login(const ApiContext& api, const Request& req) {
  auto object = parse_object(req.body);
  if (!object) co_return body_error(object.error());
  auto a = passkey_assertion_of(json::value(*object));
  if (!a) co_return std::move(a.error());
  abuse::Limiter& limits = api.service.limits();
  const abuse::Key guesses = abuse::per_ip(abuse::Limit::login_ip, req.remote_ip);
  if (const abuse::Verdict v = limits.peek(guesses, now_unix()); !v) {
    limits.count_refusal(v.limit);
    co_return too_many(v);
  }
  const auth::Client client = client_of(req);
  const std::string binding = caller_binding(req);
  mfa::Passkeys& passkeys = api.mfa.passkeys();
  mfa::SignInStep& steps = api.mfa.sign_in_step();
  auto r = co_await api.pool.run([&]() -> auth::Expected<auth::TokenPair> {
    auto signed_in = passkeys.sign_in(*a, binding, client);
    if (!signed_in) return tl::unexpected(signed_in.error());
    mfa::PassedStep step{std::move(signed_in->user), signed_in->amr, api.service.clock()(), "passkey"};
    return steps.complete(step, client);
  });
  if (r && !*r && (*r).error() == AuthError::passkey_invalid) limits.record_soon(guesses, now_unix());
  co_return reply(api.errors, r, logged_in);
}

awaitable<Response> passkey_second_factor_options(const ApiContext& api, const Request& req) {
  auto in = string_fields<1>(req.body, {"mfa_token"});
  if (!in) co_return std::move(in.error());
  if ((*in)[0].empty()) co_return bad("mfa_token is required");
  if (!api.mfa.passkeys().available()) co_return api.errors(AuthError::passkeys_unavailable);
  const auth::Client client = client_of(req);
  auto r = co_await api.pool.run([&] { return api.mfa.sign_in_step().passkey_options((*in)[0], client, {}); });
  co_return reply(api.errors, r, options_answer);
}

awaitable<Response> passkeys_list(const ApiContext& api, const Request& req) {
  const auth::Principal caller = principal_of(req);
  auto r = co_await api.pool.run([&] { return api.mfa.passkeys().list(caller.user_id); });
  co_return reply(api.errors, r, [](const std::vector<store::Passkey>& rows) {
    json::array out;
    for (const auto& p : rows) out.push_back(passkey_json(p));
    return json_response(200, json::object{{"passkeys", std::move(out)}});
  });
}

awaitable<Response> passkey_rename(const ApiContext& api, const Request& req) {
  auto in = string_fields<1>(req.body, {"name"});
  if (!in) co_return std::move(in.error());
  if ((*in)[0].empty()) co_return bad("name is required");
  const auth::Principal caller = principal_of(req);
  const auth::Client client = client_of(req);
  const std::string id(req.param("id"));
  auto r = co_await api.pool.run([&]() -> auth::Expected<void> {
    auto user = api.service.store().users().find_by_id(caller.user_id);
    if (!user) return tl::unexpected(AuthError::session_ended);
    return api.mfa.passkeys().rename(*user, id, (*in)[0], client);
  });
  co_return reply(api.errors, r, [] { return json_response(200, json::object{{"message", "Passkey renamed"}}); });
}

awaitable<Response> passkey_remove(const ApiContext& api, const Request& req) {
  auto in = string_fields<1>(req.body, {"password"});
  if (!in) co_return std::move(in.error());
  if ((*in)[0].empty()) co_return api.errors(AuthError::password_required);
  const auth::Principal caller = principal_of(req);
  const auth::Client client = client_of(req);
  const std::string id(req.param("id"));
  auto r = co_await hash_then_store(
      api.pool,
      [&] {
        return api.service.accounts().verify_current_password(caller, (*in)[0], client, "mfa_reauthentication_failed");
      },
      [&](store::User user) { return api.mfa.passkeys().remove(user, id, client); });
  co_return reply(api.errors, r, [] { return json_response(200, json::object{{"message", "Passkey removed"}}); });
}

}  // namespace latchkey::api
