#include "auth/password_policy.hpp"

#include "auth/common_passwords.hpp"
#include "util/utf8.hpp"

namespace latchkey::auth {

Expected<void> check_new_password(std::string_view password, const Username& name,
                                  const PasswordPolicy& policy) {
  if (utf8_length(password) < policy.min_chars) return tl::unexpected(AuthError::password_too_short);
  if (password.size() > policy.max_bytes) return tl::unexpected(AuthError::password_too_long);
  if (is_common_password(password)) return tl::unexpected(AuthError::password_common);
  auto as_name = normalize_username(password, policy.max_bytes);
  if (as_name && as_name->key == name.key) return tl::unexpected(AuthError::password_is_username);
  return {};
}

}  // namespace latchkey::auth
