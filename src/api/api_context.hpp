#pragma once
// What the public API's handlers work with: the auth jobs, the lanes that run
// blocking work, the one error mapping, and the API's settings. Built once by
// add_routes; each handler file (account_handlers, session_handlers,
// token_handlers) takes it by reference.
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <tl/expected.hpp>

#include "api/error_answers.hpp"
#include "auth/service.hpp"
#include "email/flows.hpp"
#include "http/message.hpp"
#include "mfa/second_factors.hpp"
#include "util/worker_pool.hpp"

namespace latchkey::api {

struct ApiOptions {
  // Services present it to POST /introspect; unset refuses everyone.
  std::optional<std::string> introspection_secret;
  // Cache-Control max-age of the JWKS and the discovery document.
  long jwks_max_age = 300;
  // The second-factor jobs the server shares with its pages; unset: the API
  // makes its own, without a data encryption key (no TOTP).
  std::shared_ptr<mfa::SecondFactors> mfa;
  // The email flows the server shares with its pages; unset: the API makes
  // its own, with mail off.
  std::shared_ptr<email::Flows> email;
};

struct ApiContext {
  auth::Service& service;
  WorkerPool& pool;
  ErrorAnswers errors;
  ApiOptions options;
  std::string public_cache_control;  // for the public, cacheable documents
  mfa::SecondFactors& mfa;
  email::Flows& email;
};

using Handler = boost::asio::awaitable<http::Response> (*)(const ApiContext&, const http::Request&);

// 200 with a new session's tokens, as /login answers (account_handlers.cpp).
http::Response logged_in(const auth::TokenPair& t);
// A WebAuthn assertion as PublicKeyCredential.toJSON() gives it: {"id",
// "response": {"clientDataJSON", "authenticatorData", "signature",
// "userHandle"}}, binary members base64url; a 400 answer when it is not
// (passkey_handlers.cpp).
tl::expected<mfa::PasskeyAssertion, http::Response> passkey_assertion_of(const boost::json::value& v);

// account_handlers.cpp
boost::asio::awaitable<http::Response> signup(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> login(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> change_password(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> login_mfa(const ApiContext&, const http::Request&);
// mfa_handlers.cpp
boost::asio::awaitable<http::Response> mfa_status(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> totp_begin(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> totp_confirm(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> totp_remove(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> recovery_codes_new(const ApiContext&, const http::Request&);
// passkey_handlers.cpp
boost::asio::awaitable<http::Response> passkey_register_options(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> passkey_register(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> passkey_login_options(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> passkey_login(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> passkey_second_factor_options(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> passkeys_list(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> passkey_rename(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> passkey_remove(const ApiContext&, const http::Request&);
// email_handlers.cpp
boost::asio::awaitable<http::Response> account_email(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> account_email_change(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> account_email_resend(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> email_verify(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> password_forgot(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> password_reset(const ApiContext&, const http::Request&);
// session_handlers.cpp
boost::asio::awaitable<http::Response> protected_resource(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> refresh(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> logout(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> logout_all(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> logout_others(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> active_sessions(const ApiContext&, const http::Request&);
// token_handlers.cpp
boost::asio::awaitable<http::Response> introspect(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> revoke(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> jwks(const ApiContext&, const http::Request&);
boost::asio::awaitable<http::Response> health(const ApiContext&, const http::Request&);

}  // namespace latchkey::api
