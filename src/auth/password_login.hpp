#pragma once
// Signing in with a username and a password, in two phases so that the
// threads that hash never wait for a database write: verify_login (the
// abuse limits, the account read, argon2id, every refusal decided, counted,
// logged and audited) then complete_login (the upgraded hash if due, the
// session, the event; no hashing).
//
// The limits (abuse/limits.hpp), in one check before any hashing (memory on
// a lone instance; one round trip when instances share the database):
//  - the request counts against the IP's flood ceiling;
//  - an IP over its failed-login budget is refused (429): credential
//    stuffing. Successes never count, so an office behind one address signs
//    in freely;
//  - an account locked for this IP, or locked from everywhere, is refused
//    exactly like a wrong password (same answer, same hashing time).
// A failure then counts for the account from this IP, for the account, and
// for the IP; one on an account already locked for this IP counts nowhere
// (the attacker is not told, and the IP's budget is not spent twice).
#include <optional>
#include <functional>
#include <string>
#include <string_view>

#include "auth/context.hpp"
#include "auth/errors.hpp"
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
  // Hashing phase (see above). Blocking (argon2id). rate_limited when an
  // abuse limit refuses the IP, with how long in `retry_after` when given.
  Expected<VerifiedLogin> verify_login(std::string_view username, std::string_view password, const Client& client,
                                       UnixSeconds* retry_after = nullptr);
  // Store phase: account_disabled when the account was disabled or deleted
  // since it was read. Blocking (store); no hashing.
  // `spec`: the session's kind (the hosted login opens browser sessions).
  Expected<TokenPair> complete_login(VerifiedLogin login, const Client& client, const SessionSpec& spec = {});

  // Called (blocking, in verify_login) with an account refused for an
  // address not verified (Options::require_verified_email), to send it a
  // new link. Set at start, before any login.
  void on_unverified_email(std::function<void(const store::User&, const Client&)> hook) {
    unverified_email_ = std::move(hook);
  }

 private:
  Expected<VerifiedLogin> refuse(std::string_view reason, const store::User* user, std::string_view attempted,
                                 const Client& client);

  Context ctx_;
  Sessions& sessions_;
  std::string dummy_hash_;
  std::function<void(const store::User&, const Client&)> unverified_email_;
};

}  // namespace latchkey::auth
