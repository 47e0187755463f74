#pragma once
// The single-use links the flows send: a token of 32 random bytes
// (base64url, 43 characters) in {PUBLIC_URL}{path}?token=..., of which only
// the SHA-256 is stored (store::EmailToken), bound to the user, the purpose
// and the address; its message queued in the same transaction
// (store::MailStore::issue_token), which also voids the user's older links
// of the purpose. The link itself lives in the queued message's detail
// until it is sent, and is emptied then.
#include <string_view>

#include "auth/errors.hpp"
#include "email/options.hpp"
#include "store/store.hpp"

namespace latchkey::email {

struct Link {
  std::string_view purpose;  // store::kVerifyEmail, store::kResetPassword
  std::string_view kind;     // mail/kinds.hpp: its message
  std::string_view path;     // "/email/verify", "/password/reset"
  UnixSeconds ttl = 0;
};

// Blocking (one store transaction). user_not_found when the user is gone.
auth::Expected<void> send_link(store::Store& store, const Options& options, const Link& link, const store::User& user,
                               std::string_view address, UnixSeconds now);

// The digest a token is stored by.
std::string token_digest(std::string_view token);

}  // namespace latchkey::email
