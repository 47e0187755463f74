#include "oidc/endpoints/sign_in_refusals.hpp"

#include <array>
#include <optional>

namespace latchkey::oidc {

namespace {

using E = auth::AuthError;

struct Row {
  E error;
  std::optional<SignInForm> only;  // nullopt: every form
  Refusal refusal;
};

constexpr std::array kRows{
    Row{E::rate_limited, {}, {"Too many attempts from your network. Please wait a while and try again.", 429}},
    Row{E::account_disabled, {}, {"This account is disabled.", 403}},
    Row{E::unavailable, {}, {"The service is busy. Please try again in a moment.", 503}},
    // The password's check sends a new link; a passkey cannot (no password was given).
    Row{E::email_unverified, SignInForm::password,
        {"Confirm your email address first: a new link was sent to it. Open it, then sign in again.", 403}},
    Row{E::email_unverified, SignInForm::passkey,
        {"Confirm your email address first: sign in with your password to get a new link.", 403}},
    Row{E::mfa_code_required, SignInForm::second_step, {"Enter a code.", 400}},
    Row{E::passkey_invalid, SignInForm::second_step,
        {"That passkey did not work. Try again, or use another way.", 401}},
};

// Any other refusal: the credential did not prove who the person is.
constexpr Refusal otherwise(SignInForm form) {
  switch (form) {
    case SignInForm::password: return {"Wrong username or password.", 401};
    case SignInForm::second_step: return {"That code did not work. Check it and try again.", 401};
    case SignInForm::passkey: return {"That passkey did not work. Try again, or sign in with your password.", 401};
  }
  return {"Wrong username or password.", 401};
}

}  // namespace

Refusal sign_in_refusal(SignInForm form, auth::AuthError e) {
  for (const Row& row : kRows)
    if (row.error == e && (!row.only || *row.only == form)) return row.refusal;
  return otherwise(form);
}

}  // namespace latchkey::oidc
