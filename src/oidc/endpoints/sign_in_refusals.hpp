#pragma once
// What a hosted sign-in form (the password, its second step, a passkey)
// tells a person whose attempt was refused, and with which status: one
// table, so that the forms say the same of the same refusal and none of
// them tells whether an account exists.
#include <string_view>

#include "auth/errors.hpp"

namespace latchkey::oidc {

enum class SignInForm { password, second_step, passkey };

struct Refusal {
  std::string_view text;
  unsigned status;
};

Refusal sign_in_refusal(SignInForm form, auth::AuthError e);

}  // namespace latchkey::oidc
