#pragma once
// The second step of a sign-in, for users with a second factor. A right
// password does not open a session: it opens a challenge, a random token
// (only its digest stored) that lives 5 minutes, is bound to the caller (its
// user agent, and the client or page that asked) and is spent by the first
// right code. Five wrong codes spend it too, and every wrong code counts
// against the account's password locks (abuse/limits.hpp), whose locks
// refuse codes as they refuse passwords.
//
// JSON: /login answers 401 mfa_required with the token, /login/mfa takes it
// with a code. Hosted: the sign-in page's second form. Blocking (store):
// run on the database lane.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/service.hpp"
#include "mfa/enrolment.hpp"
#include "mfa/options.hpp"
#include "mfa/passkeys.hpp"

namespace latchkey::mfa {

struct Challenge {
  std::string mfa_token;
  std::vector<std::string> methods;  // "totp", "recovery_code"
  UnixSeconds expires_in = 0;
};

// What the person gave: one of them.
struct Code {
  std::string_view totp = {};
  std::string_view recovery = {};
  const PasskeyAssertion* passkey = nullptr;
};

// A passed second step: who, and how (RFC 8176 amr values).
struct PassedStep {
  store::User user;
  std::string amr;
  UnixSeconds auth_time = 0;  // the password's time: the first credential entered
  std::string method;         // "totp", "recovery_code" or "passkey"
};

class SignInStep {
 public:
  SignInStep(auth::Service& service, Enrolment& enrolment, Passkeys& passkeys, const Options& options);

  // After a right password (the login's store phase): the challenge when the
  // user has a second factor, nullopt when the password is enough.
  // `bound_to`: what else the token is bound to besides the user agent (the
  // OAuth client of a hosted sign-in; empty for /login).
  auth::Expected<std::optional<Challenge>> challenge_if_enrolled(const store::User& user, const auth::Client& client,
                                                                 std::string_view bound_to);
  // Checks the code against the challenge and spends both. mfa_token_invalid
  // when the token is unknown, spent, expired, worn out by wrong codes or
  // another caller's; mfa_code_invalid for a wrong code (also when the
  // account is locked); rate_limited when the IP is over its budget (how
  // long in `retry_after`).
  auth::Expected<PassedStep> pass(std::string_view mfa_token, const Code& code, const auth::Client& client,
                                  std::string_view bound_to, UnixSeconds* retry_after = nullptr);
  // The WebAuthn options for a passkey as the second step of this
  // challenge (mfa_token_invalid as pass() says).
  auth::Expected<boost::json::object> passkey_options(std::string_view mfa_token, const auth::Client& client,
                                                      std::string_view bound_to);
  // Opens the session of a passed step (as a login does), records the login.
  auth::Expected<auth::TokenPair> complete(const PassedStep& step, const auth::Client& client,
                                           auth::SessionSpec spec = {});

  const Options& options() const { return options_; }

 private:
  // The amr the code adds ("otp", "hwk"...), or "" when it is wrong.
  auth::Expected<std::string> check_code(const store::User& user, const Code& code, std::string_view token_hash,
                                         UnixSeconds now);
  // The live challenge of this token, bound to this caller.
  auth::Expected<store::MfaChallenge> live_challenge(std::string_view mfa_token, const auth::Client& client,
                                                     std::string_view bound_to, UnixSeconds now);

  auth::Service& service_;
  Enrolment& enrolment_;
  Passkeys& passkeys_;
  const Options& options_;
};

}  // namespace latchkey::mfa
