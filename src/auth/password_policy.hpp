#pragma once
// The rules a new password must meet (ASVS 6.2), shared by sign-up, password
// change and the administration commands: a length floor, a generous
// ceiling, no composition rules, not a common password, not the username.
#include <cstddef>
#include <string_view>

#include "auth/errors.hpp"
#include "auth/username.hpp"

namespace latchkey::auth {

struct PasswordPolicy {
  std::size_t min_chars = 8;
  std::size_t max_bytes = 1024;
};

Expected<void> check_new_password(std::string_view password, const Username& name,
                                  const PasswordPolicy& policy);

}  // namespace latchkey::auth
