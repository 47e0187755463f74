#pragma once
// Signing in with a username and a password, in two phases so that the
// threads that hash never wait for a database write: verify_login (the
// throttle, the account read, argon2id, every refusal decided, counted,
// logged and audited; the store only read) then complete_login (the
// upgraded hash if due, the session, the event; no hashing).
#include <optional>
#include <string>
#include <string_view>

#include "auth/context.hpp"
#include "auth/errors.hpp"
#include "auth/login_throttle.hpp"
#include "auth/sessions.hpp"

namespace latchkey::auth {

// What the hashing phase of a login hands to its store phase: an account
// whose password was just verified, enabled when it was read. Only
// PasswordLogin fills one in, so holding a non-empty one means the password
// was right. A default-constructed one is empty and the store phase refuses
// it (it exists because the worker pool needs default-constructible results).
class VerifiedLogin {
 public:
  VerifiedLogin() = default;
  bool empty() const { return user_.id.empty(); }
  const store::User& user() const { return user_; }
  // Set when the stored hash was made with weaker parameters than the
  // configured ones: its replacement, made from the password just verified.
  const std::optional<std::string>& upgraded_hash() const { return upgraded_hash_; }

 private:
  friend class PasswordLogin;
  store::User user_;
  std::optional<std::string> upgraded_hash_;
};

class PasswordLogin {
 public:
  // Blocking: computes the reference hash that unknown names are checked
  // against, so that they cost the same time.
  PasswordLogin(const Context& ctx, Sessions& sessions);

  // verify_login then complete_login. Blocking.
  Expected<TokenPair> login(std::string_view username, std::string_view password, const Client& client);
  // Hashing phase (see above). Blocking (argon2id).
  Expected<VerifiedLogin> verify_login(std::string_view username, std::string_view password, const Client& client);
  // Store phase: account_disabled when the account was disabled or deleted
  // since it was read. Blocking (store); no hashing.
  Expected<TokenPair> complete_login(VerifiedLogin login, const Client& client);

  // A login the HTTP layer refused for its rate limit, counted with the others.
  void count_rate_limited() { ctx_.counters.login_rate_limited.fetch_add(1, std::memory_order_relaxed); }

 private:
  Expected<VerifiedLogin> refuse(std::string_view reason, const store::User* user, std::string_view attempted,
                                 const Client& client);

  Context ctx_;
  Sessions& sessions_;
  std::string dummy_hash_;
  LoginThrottle throttle_;
};

}  // namespace latchkey::auth
