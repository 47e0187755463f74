#pragma once
// Password reset by email (OWASP Forgot Password cheat sheet; ASVS 6.3.8,
// 6.4.3), in named steps:
//   request   an address: a link to its account if one has it verified;
//             the caller is told the same either way (the endpoint answers
//             before this runs, so the time is the same too)
//   inspect   a link: whose, and whether a second factor must be given
//   prepare   the new password checked against the policy and hashed
//             (argon2id: the hashing lane); reads the link, spends nothing
//   complete  the second factor when the account has one, then the link
//             spent (once), every session ended, the new password set: its
//             notice queued by the database in the same transaction
// Until complete succeeds nothing changes: a wrong code, a weak password or
// a failure leave the link usable until it expires (30 minutes).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/service.hpp"
#include "email/options.hpp"
#include "mfa/sign_in_step.hpp"

namespace latchkey::email {

// Whose link it is, for the reset page.
struct ResetTarget {
  store::User user;
  std::vector<std::string> methods;  // the second factor's ("totp", "recovery_code"); empty: none needed
};

// A new password ready to be set (prepare's output).
struct PreparedReset {
  std::string token_hash;
  store::User user;
  std::string new_hash;
};

class PasswordReset {
 public:
  PasswordReset(auth::Service& service, mfa::SignInStep& step, Options options)
      : service_(service), step_(step), options_(std::move(options)) {}

  // Blocking (store). Nothing is said of the outcome: a failure is logged.
  void request(std::string_view address, const auth::Client& client);
  // Blocking (store). reset_token_invalid.
  auth::Expected<ResetTarget> inspect(std::string_view token);
  // Blocking (store read, argon2id). reset_token_invalid, the password policy's errors.
  auth::Expected<PreparedReset> prepare(std::string_view token, std::string_view new_password);
  // Blocking (store). second_factor_required (no code given), mfa_code_invalid,
  // rate_limited, reset_token_invalid (spent meanwhile). How many sessions ended.
  auth::Expected<std::size_t> complete(const PreparedReset& reset, const mfa::Code& code,
                                       const auth::Client& client);

 private:
  auth::Service& service_;
  mfa::SignInStep& step_;
  Options options_;
};

}  // namespace latchkey::email
