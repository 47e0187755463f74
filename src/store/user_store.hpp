#pragma once
// Accounts: what sign-up, login and password changes read and write.
// Every call blocks (run it on the database lane) and is safe from any thread.
#include <string_view>

#include "store/records.hpp"
#include "store/result.hpp"

namespace latchkey::store {

class UserStore {
 public:
  virtual ~UserStore() = default;

  // conflict when the username (its key) is taken.
  virtual Result<void> create(const User& user) = 0;
  // not_found when no account has this key (NFC, case-folded).
  virtual Result<User> find_by_name(std::string_view username_key) = 0;
  // not_found when no account has this id.
  virtual Result<User> find_by_id(std::string_view id) = 0;
  // The same password's new hash (a rehash to current parameters): no
  // notice. not_found when no account has this id.
  virtual Result<void> set_password_hash(std::string_view user_id, std::string_view hash) = 0;
  // A new password, changed at `now`: the database queues the
  // password_changed notice (mail_store.hpp) in the same transaction.
  // not_found when no account has this id.
  virtual Result<void> change_password(std::string_view user_id, std::string_view hash, UnixSeconds now) = 0;
  // The account whose VERIFIED address is `email` (normalised); not_found
  // when none.
  virtual Result<User> find_by_email(std::string_view email) = 0;
  // Sets the address ("" for none) and whether it is verified. conflict when
  // another account has it verified; not_found when no account has this id.
  virtual Result<void> set_email(std::string_view user_id, std::string_view email, bool verified) = 0;
};

}  // namespace latchkey::store
