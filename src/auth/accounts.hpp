#pragma once
// Accounts: sign-up and password change. Each comes whole (blocking) and in
// two phases, so that the threads that hash never wait for a database write
// (on SQLite each write waits for a shared fdatasync, ~4 ms against a 13 ms
// hash): a hashing phase that does every argon2id computation and only reads
// the store, then a store phase that writes and hashes nothing.
#include <string>
#include <string_view>

#include "auth/authenticator.hpp"
#include "auth/context.hpp"
#include "auth/errors.hpp"
#include "auth/new_account.hpp"

namespace latchkey::auth {

// What the hashing phase of a password change hands to its store phase: the
// caller's account (current password verified), the session it keeps and the
// new password's hash. Empty when default-constructed, and then refused.
class VerifiedPasswordChange {
 public:
  VerifiedPasswordChange() = default;
  bool empty() const { return user_.id.empty(); }
  const store::User& user() const { return user_; }
  const std::string& session_id() const { return session_id_; }
  const std::string& new_hash() const { return new_hash_; }

 private:
  friend class Accounts;
  store::User user_;
  std::string session_id_;
  std::string new_hash_;
};

class Accounts {
 public:
  explicit Accounts(const Context& ctx);

  // The rules /signup and the administrators' commands share.
  const AccountRules& rules() const { return rules_; }

  // prepare_signup then complete_signup. Blocking.
  Expected<void> signup(std::string_view username, std::string_view password, const Client& client = {});
  // Hashing phase: the IP's sign-up and flood limits (rate_limited, with how
  // long in `retry_after` when given), then prepare_account. Blocking
  // (argon2id; the limits' round trip when shared).
  Expected<NewAccount> prepare_signup(std::string_view username, std::string_view password, const Client& client = {},
                                      UnixSeconds* retry_after = nullptr) const;
  // Store phase: creates the account (username_taken when the name went
  // meanwhile) and records the event. Blocking (store); no hashing.
  // The account as created.
  Expected<store::User> complete_signup(NewAccount account, const Client& client = {});

  // Verifies the current password, sets the new one and ends the caller's
  // other sessions; returns how many ended. Both phases. Blocking.
  Expected<std::size_t> change_password(const Principal& caller, std::string_view current,
                                        std::string_view replacement, const Client& client = {});
  // Hashing phase: reads the caller's account, verifies the current password
  // (a wrong one is logged, audited and counted as a failed login of the
  // account from this IP, whose locks apply here too), checks the new one
  // against the policy and hashes it. Blocking (argon2id).
  Expected<VerifiedPasswordChange> verify_password_change(const Principal& caller, std::string_view current,
                                                          std::string_view replacement, const Client& client = {});
  // A fresh credential before a sensitive change (ASVS 7.5.1): the caller's
  // account when `password` is its password. A wrong one is audited as
  // `failed_event` and counts as a failed login of the account from this IP,
  // whose locks apply here too (invalid_credentials either way). Blocking (argon2id).
  Expected<store::User> verify_current_password(const Principal& caller, std::string_view password,
                                                const Client& client, std::string_view failed_event);
  // Store phase: sets the new hash, ends the caller's other sessions and
  // records the event; returns how many ended. Blocking (store); no hashing.
  Expected<std::size_t> complete_password_change(VerifiedPasswordChange change, const Client& client = {});

 private:
  Context ctx_;
  AccountRules rules_;
};

}  // namespace latchkey::auth
