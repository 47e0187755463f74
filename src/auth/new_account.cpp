#include "auth/new_account.hpp"

#include "crypto/random.hpp"

namespace latchkey::auth {

Expected<NewAccount> prepare_account(std::string_view username, std::string_view password,
                                     const AccountRules& rules) {
  if (username.empty() || password.empty()) return tl::unexpected(AuthError::credentials_required);
  auto name = normalize_username(username, rules.max_username_chars);
  if (!name) return tl::unexpected(AuthError::username_invalid);
  // ASVS 6.2: a length floor, a generous ceiling, no composition rules, not
  // a common password, not the username.
  if (auto ok = check_new_password(password, *name, rules.password); !ok) return tl::unexpected(ok.error());
  auto hash = crypto::hash_password(password, rules.hashing);
  if (!hash) return tl::unexpected(AuthError::unavailable);
  NewAccount account;
  account.name_ = std::move(*name);
  account.password_hash_ = std::move(*hash);
  return account;
}

Expected<store::User> create_account(store::UserStore& users, const NewAccount& account, UnixSeconds now) {
  // Only prepare_account makes a non-empty one: an empty one is a bug upstream.
  if (account.empty()) return tl::unexpected(AuthError::internal);
  store::User user{crypto::random_uuid(), account.name().display, account.password_hash(), now,
                   account.name().key};
  user.email = account.email();
  user.email_verified = account.email_verified() && !user.email.empty();
  if (auto r = users.create(user); !r) {
    // Taken: the name, or (verified only) the address.
    if (r.error() == store::StoreError::conflict) {
      if (user.email_verified && users.find_by_email(user.email)) return tl::unexpected(AuthError::email_taken);
      return tl::unexpected(AuthError::username_taken);
    }
    return store_failure(r);
  }
  return user;
}

}  // namespace latchkey::auth
