#pragma once
// The one way an account is made, for /signup and for administrators alike:
// the name and password checked against the rules and the password hashed
// (prepare_account: argon2id, no writes), then the row created
// (create_account: one write, no hashing), so that the threads that hash
// never wait for a database write.
#include <string>
#include <string_view>

#include "auth/errors.hpp"
#include "auth/password_policy.hpp"
#include "auth/username.hpp"
#include "crypto/password.hpp"
#include "store/records.hpp"
#include "store/user_store.hpp"
#include "util/time.hpp"

namespace latchkey::auth {

struct AccountRules {
  PasswordPolicy password;
  crypto::PasswordParams hashing;
  std::size_t max_username_chars = 64;
};

// A name and a password that passed the rules, the password hashed. Only
// prepare_account makes a non-empty one; create_account refuses an empty
// one (it exists because the worker pool needs default-constructible results).
class NewAccount {
 public:
  NewAccount() = default;
  bool empty() const { return name_.key.empty(); }
  const Username& name() const { return name_; }
  const std::string& password_hash() const { return password_hash_; }
  // The address it is created with (normalised, unverified); "" for none.
  const std::string& email() const { return email_; }
  bool email_verified() const { return email_verified_; }
  // `verified`: an administrator vouches for it.
  void set_email(std::string email, bool verified = false) {
    email_ = std::move(email);
    email_verified_ = verified;
  }

 private:
  friend Expected<NewAccount> prepare_account(std::string_view, std::string_view, const AccountRules&);
  Username name_;
  std::string password_hash_;
  std::string email_;
  bool email_verified_ = false;
};

// Blocking (argon2id). credentials_required, username_invalid or a password
// policy failure; unavailable when hashing failed.
Expected<NewAccount> prepare_account(std::string_view username, std::string_view password, const AccountRules& rules);

// Blocking (store). username_taken when the name went meanwhile.
Expected<store::User> create_account(store::UserStore& users, const NewAccount& account, UnixSeconds now);

}  // namespace latchkey::auth
