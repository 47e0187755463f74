#pragma once
// A user's email address: set at sign-up or by an administrator, verified
// by a link, changed with a fresh credential (the new address takes effect
// only once its link is opened; the old one then gets a notice, queued by
// the database as the address changes).
//
// Every call blocks (the store; change also argon2id): run on a lane.
#include <optional>
#include <string>
#include <string_view>

#include "auth/service.hpp"
#include "email/options.hpp"

namespace latchkey::email {

// `text` as stored (mail/address.hpp), or email_invalid.
auth::Expected<std::string> address_of(std::string_view text);

class Addresses {
 public:
  Addresses(auth::Service& service, Options options) : service_(service), options_(std::move(options)) {}

  const Options& options() const { return options_; }

  // Queues a verification link to `address` (normalised) for `user`,
  // voiding the older ones. mail_unavailable when mail is off.
  auth::Expected<void> send_verification(const store::User& user, std::string_view address,
                                         const auth::Client& client);
  // Opens a verification link: the user as it is now (address verified).
  // email_token_invalid (unknown, used, expired, voided); email_taken when
  // another account verified the address meanwhile (the link stays usable).
  auth::Expected<store::User> confirm(std::string_view token, const auth::Client& client);
  // A new address for the caller, after its password (invalid_credentials
  // as a wrong password anywhere): the link goes to the new address, which
  // takes effect when opened. email_invalid, email_taken (verified by
  // another account already), mail_unavailable.
  auth::Expected<std::string> change(const auth::Principal& caller, std::string_view address,
                                     std::string_view password, const auth::Client& client);
  // The caller's address and whether it is verified.
  auth::Expected<store::User> current(const auth::Principal& caller);

 private:
  auth::Service& service_;
  Options options_;
};

}  // namespace latchkey::email
