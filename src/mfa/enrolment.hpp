#pragma once
// Setting up and removing second factors: a TOTP authenticator (set up,
// then confirmed by a first code, which is spent like any other), recovery
// codes (shown once, each new set voiding the last). (An administrator's
// reset is auth::Admin::reset_factors.) Every change is audited. The fresh credential a change needs is the
// caller's business (auth::Accounts::verify_current_password, or the hosted
// pages' recent sign-in). Blocking (store): run on the database lane.
#include <string>
#include <string_view>
#include <vector>

#include "auth/service.hpp"
#include "mfa/factor_status.hpp"
#include "mfa/options.hpp"

namespace latchkey::mfa {

struct TotpSetup {
  std::string secret;  // base32, for typing into an app
  std::string uri;     // otpauth://
  std::string qr_svg;  // the URI as a QR code
};

class Enrolment {
 public:
  Enrolment(auth::Service& service, const Options& options);

  bool totp_available() const { return options_.sealing_key.has_value(); }

  auth::Expected<FactorStatus> status(std::string_view user_id);

  // A new authenticator secret, pending until confirm_totp. totp_unavailable
  // without a key; factor_exists when one is already confirmed.
  auth::Expected<TotpSetup> begin_totp(const store::User& user, const auth::Client& client);
  // The authenticator set up and not yet confirmed, shown again (a wrong
  // first code): factor_not_found when there is none pending.
  auth::Expected<TotpSetup> pending_totp(const store::User& user);
  // The first code from the app turns it on: the new recovery codes when the
  // user had none left (shown once), else none. mfa_code_invalid for a wrong
  // code; factor_not_found when nothing is pending.
  auth::Expected<std::vector<std::string>> confirm_totp(const store::User& user, std::string_view code,
                                                       const auth::Client& client);
  // factor_not_found when there is none.
  auth::Expected<void> remove_totp(const store::User& user, const auth::Client& client);
  // Ten new codes; the old ones stop working.
  auth::Expected<std::vector<std::string>> new_recovery_codes(const store::User& user, const auth::Client& client);

  // The TOTP secret of a user, opened: nullopt when none, or when it cannot
  // be opened (another key). For the sign-in step.
  auth::Expected<std::optional<std::string>> totp_secret(const store::TotpFactor& factor) const;

 private:
  TotpSetup setup_of(std::string_view secret, const store::User& user) const;

  auth::Service& service_;
  const Options& options_;
};

// What the sealed TOTP secret is bound to (AES-GCM associated data).
std::string totp_associated_data(std::string_view user_id);

}  // namespace latchkey::mfa
