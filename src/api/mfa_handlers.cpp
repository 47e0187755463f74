// The caller's second factors (/account/mfa...): what is set up, a TOTP
// authenticator (set up, confirmed by its first code, removed) and recovery
// codes. A change that adds or removes a factor asks for the password again
// (ASVS 7.5.1: the API cannot tell how fresh the session's credential is, so
// it always asks): argon2id on the hashing lane, then the write.
#include <boost/json.hpp>

#include "api/api_context.hpp"
#include "api/hash_then_store.hpp"
#include "api/json_io.hpp"
#include "api/middleware.hpp"

namespace latchkey::api {

namespace json = boost::json;
using auth::AuthError;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

json::array codes_json(const std::vector<std::string>& codes) {
  json::array out;
  for (const auto& c : codes) out.emplace_back(c);
  return out;
}

Response no_store(Response r) {
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// `change(user)` on the database lane once `password` proved to be the
// caller's (a wrong one is audited as mfa_reauthentication_failed).
template <class Change>
auto with_fresh_password(const ApiContext& api, const Request& req, std::string_view password, Change change)
    -> awaitable<std::invoke_result_t<Change, store::User>> {
  const auth::Principal caller = principal_of(req);
  const auth::Client client = client_of(req);
  co_return co_await hash_then_store(
      api.pool,
      [&] {
        return api.service.accounts().verify_current_password(caller, password, client, "mfa_reauthentication_failed");
      },
      std::move(change));
}

}  // namespace

awaitable<Response> mfa_status(const ApiContext& api, const Request& req) {
  const auth::Principal caller = principal_of(req);
  auto r = co_await api.pool.run([&] { return api.mfa.enrolment().status(caller.user_id); });
  co_return reply(api.errors, r, [&](const mfa::FactorStatus& s) {
    json::array methods;
    for (const auto& m : s.methods()) methods.emplace_back(m);
    return json_response(200, json::object{
                                  {"mfa_required", s.required()},
                                  {"totp", json::object{{"enabled", s.totp},
                                                        {"pending", s.totp_pending},
                                                        {"available", api.mfa.enrolment().totp_available()}}},
                                  {"recovery_codes", json::object{{"remaining", s.recovery_codes}}},
                                  {"methods", std::move(methods)},
                              });
  });
}

awaitable<Response> totp_begin(const ApiContext& api, const Request& req) {
  const auth::Client client = client_of(req);
  mfa::Enrolment& enrolment = api.mfa.enrolment();
  if (!enrolment.totp_available()) co_return api.errors(AuthError::totp_unavailable);
  auto in = string_fields<1>(req.body, {"password"});
  if (!in) co_return std::move(in.error());
  if ((*in)[0].empty()) co_return api.errors(AuthError::password_required);
  auto r = co_await with_fresh_password(api, req, (*in)[0],
                                        [&](store::User user) { return enrolment.begin_totp(user, client); });
  co_return reply(api.errors, r, [](const mfa::TotpSetup& s) {
    return no_store(json_response(201, json::object{
                                           {"message", "Scan the QR code or type the key into your app, then "
                                                       "confirm with a code at /account/mfa/totp/confirm"},
                                           {"secret", s.secret},
                                           {"otpauth_uri", s.uri},
                                           {"qr_svg", s.qr_svg},
                                       }));
  });
}

awaitable<Response> totp_confirm(const ApiContext& api, const Request& req) {
  auto in = string_fields<1>(req.body, {"code"});
  if (!in) co_return std::move(in.error());
  if ((*in)[0].empty()) co_return http::json_error(400, "invalid_request", "code is required");
  const auth::Principal caller = principal_of(req);
  const auth::Client client = client_of(req);
  mfa::Enrolment& enrolment = api.mfa.enrolment();
  auto r = co_await api.pool.run([&]() -> auth::Expected<std::vector<std::string>> {
    auto user = api.service.store().users().find_by_id(caller.user_id);
    if (!user) return tl::unexpected(user.error() == store::StoreError::not_found ? AuthError::session_ended
                                                                                  : auth::from_store(user.error()));
    return enrolment.confirm_totp(*user, (*in)[0], client);
  });
  co_return reply(api.errors, r, [](const std::vector<std::string>& codes) {
    json::object body{{"message", "Authenticator app enabled"}};
    if (!codes.empty()) body["recovery_codes"] = codes_json(codes);
    return no_store(json_response(200, body));
  });
}

awaitable<Response> totp_remove(const ApiContext& api, const Request& req) {
  const auth::Client client = client_of(req);
  mfa::Enrolment& enrolment = api.mfa.enrolment();
  auto in = string_fields<1>(req.body, {"password"});
  if (!in) co_return std::move(in.error());
  if ((*in)[0].empty()) co_return api.errors(AuthError::password_required);
  auto r = co_await with_fresh_password(api, req, (*in)[0],
                                        [&](store::User user) { return enrolment.remove_totp(user, client); });
  co_return reply(api.errors, r, [] { return json_response(200, json::object{{"message", "Authenticator app removed"}}); });
}

awaitable<Response> recovery_codes_new(const ApiContext& api, const Request& req) {
  const auth::Client client = client_of(req);
  mfa::Enrolment& enrolment = api.mfa.enrolment();
  auto in = string_fields<1>(req.body, {"password"});
  if (!in) co_return std::move(in.error());
  if ((*in)[0].empty()) co_return api.errors(AuthError::password_required);
  auto r = co_await with_fresh_password(api, req, (*in)[0],
                                        [&](store::User user) { return enrolment.new_recovery_codes(user, client); });
  co_return reply(api.errors, r, [](const std::vector<std::string>& codes) {
    return no_store(json_response(201, json::object{{"message", "New recovery codes; the old ones no longer work"},
                                                    {"recovery_codes", codes_json(codes)}}));
  });
}

}  // namespace latchkey::api
