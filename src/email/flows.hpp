#pragma once
// The email flows together, as the API, the hosted pages and the admin
// commands share them (built once by app/serve.cpp): addresses and their
// verification, password reset, and the limits on requests that send mail.
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "auth/service.hpp"
#include "email/addresses.hpp"
#include "email/options.hpp"
#include "email/password_reset.hpp"
#include "mfa/sign_in_step.hpp"
#include "util/worker_pool.hpp"

namespace latchkey::email {

class Flows {
 public:
  Flows(auth::Service& service, mfa::SignInStep& step, Options options)
      : service_(service), addresses_(service, options), reset_(service, step, options), options_(std::move(options)) {}

  Addresses& addresses() { return addresses_; }
  PasswordReset& reset() { return reset_; }
  const Options& options() const { return options_; }

  // A request that sends a message to `address` (normalised) from this
  // client: counted per IP and per address (abuse/limits.hpp, mail_ip and
  // mail_address), whether or not an account has the address.
  // rate_limited, with how long in `retry_after`. Blocking when the limits
  // are shared (PostgreSQL).
  auth::Expected<void> admit_mail_request(std::string_view address, const auth::Client& client,
                                          UnixSeconds* retry_after = nullptr);

  // A sign-up with an optional address (normalised; "" for none), as
  // /signup and the sign-up page make it: the hashing phase (the limits,
  // the rules, argon2id), then the store phase, which creates the account
  // with the address unverified and queues its verification link when mail
  // is on (a failure there is logged: the account stands, and a link can be
  // asked for again). Blocking.
  auth::Expected<auth::NewAccount> prepare_signup(std::string_view username, std::string_view password,
                                                  std::string address, const auth::Client& client,
                                                  UnixSeconds* retry_after = nullptr);
  auth::Expected<void> complete_signup(auth::NewAccount account, const auth::Client& client);
  // The caller's unverified address again, counted as a mail request.
  // Addresses::resend's errors, and rate_limited. Blocking (store).
  auth::Expected<std::string> resend(const auth::Principal& caller, const auth::Client& client,
                                     UnixSeconds* retry_after = nullptr);
  // A sign-in refused for an address not verified (REQUIRE_VERIFIED_EMAIL):
  // a new link, within the mail limits; nothing is said either way.
  // Blocking (store).
  void after_unverified_login(const store::User& user, const auth::Client& client);

  // PasswordReset::request(address) on `pool`'s database lane, started on
  // `executor` and not waited for: the caller answers at once, the same
  // whether or not an account has the address (a full lane drops the
  // request, which nobody is told either).
  void request_reset_later(WorkerPool& pool, const boost::asio::any_io_executor& executor, std::string address,
                           const auth::Client& client);

 private:
  auth::Service& service_;
  Addresses addresses_;
  PasswordReset reset_;
  Options options_;
};

}  // namespace latchkey::email
