#pragma once
// Email: the single-use link tokens (verification, password reset) and the
// durable outbox of messages to send.
//
// A message is written in the same transaction as what causes it: a token
// and its message in one call (issue_token); the security notices by the
// database's triggers on the change itself (migration 13: a password
// changed, an address changed, a second factor added or removed, a sign-in
// from a new device), for the kinds set_notices enabled and only to a
// verified address. So a crash loses no message and a rolled-back change
// sends none. Sending is at least once: the mail worker takes what is due,
// and a message sent but not noted (a crash between) is sent again with the
// same message_key (its Message-ID).
//
// Every call blocks and is safe from any thread.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/result.hpp"

namespace latchkey::store {

class MailStore {
 public:
  virtual ~MailStore() = default;

  // --- tokens ---
  // In one transaction: voids the user's unused tokens of the same purpose,
  // stores `token`, and queues `mail` (its id, message_key and outcome are
  // the database's; attempts 0, due at its next_attempt_at). not_found when
  // the user does not exist (nothing written); conflict when the digest exists.
  virtual Result<void> issue_token(const EmailToken& token, const OutboxMail& mail) = 0;
  // The token of this digest and purpose when unused and unexpired at `now`;
  // not_found otherwise. Changes nothing.
  virtual Result<EmailToken> find_token(std::string_view token_hash, std::string_view purpose, UnixSeconds now) = 0;
  // Spends it: the token when it was unused and unexpired at `now` (exactly
  // one caller gets it), not_found otherwise.
  virtual Result<EmailToken> redeem_token(std::string_view token_hash, std::string_view purpose,
                                          UnixSeconds now) = 0;
  // In one transaction: spends a kVerifyEmail token (as redeem_token) and
  // makes its address the user's verified address. The user as it is then.
  // not_found: no such usable token; conflict: another user's verified
  // address already (nothing changes, the token stays usable).
  virtual Result<User> verify_email(std::string_view token_hash, UnixSeconds now) = 0;
  // Deletes tokens that expired before `before`; how many.
  virtual Result<std::size_t> prune_tokens(UnixSeconds before) = 0;

  // --- outbox ---
  // The kinds of notice the database's triggers queue; replaces the set.
  virtual Result<void> set_notices(const std::vector<std::string>& kinds) = 0;
  // Up to `limit` messages neither sent nor given up whose next_attempt_at
  // is at most `now`, oldest first.
  virtual Result<std::vector<OutboxMail>> due(UnixSeconds now, std::size_t limit) = 0;
  // Each of the three counts one attempt; not_found when no message has the id.
  // Sent at `now`; its detail is emptied (it may hold a link).
  virtual Result<void> sent(std::int64_t id, UnixSeconds now) = 0;
  // Failed; tried again at `next_attempt_at`.
  virtual Result<void> failed(std::int64_t id, UnixSeconds next_attempt_at, std::string_view error) = 0;
  // Failed for the last time: not tried again unless retried.
  virtual Result<void> gave_up(std::int64_t id, UnixSeconds now, std::string_view error) = 0;
  // A message given up is due again at `now`, its attempts back to 0.
  // not_found when no message has the id or it was not given up.
  virtual Result<void> retry(std::int64_t id, UnixSeconds now) = 0;
  // Every message, newest first, at most `limit`.
  virtual Result<std::vector<OutboxMail>> list(std::size_t limit) = 0;
  // Messages neither sent nor given up.
  virtual Result<std::int64_t> pending() = 0;
  // Deletes messages sent or given up before `before`; how many.
  virtual Result<std::size_t> prune(UnixSeconds before) = 0;
};

}  // namespace latchkey::store
