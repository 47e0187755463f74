#pragma once
// What the email flows (addresses, verification, password reset) are built with.
#include <optional>
#include <string>

#include "crypto/aead.hpp"

#include "util/time.hpp"

namespace latchkey::email {

struct Options {
  // SMTP_URL is set: messages are queued and sent. Off: nothing that needs
  // a message is offered (mail_unavailable), addresses are still kept.
  bool mail_on = false;
  // PUBLIC_URL without a trailing '/': the base of every link in a message,
  // never the request's Host header (an attacker's Host would otherwise
  // receive the victim's reset token).
  std::string public_url;
  bool login_with_email = false;        // LOGIN_WITH_EMAIL
  bool require_verified_email = false;  // REQUIRE_VERIFIED_EMAIL
  // OWASP's Forgot Password cheat sheet: a reset link short-lived, a
  // verification link long enough to reach a mailbox read once a day.
  UnixSeconds verify_ttl = 24 * 60 * 60;
  UnixSeconds reset_ttl = 30 * 60;
  // DATA_ENCRYPTION_KEY: when set, a link waits in the outbox sealed
  // (mail/link_seal.hpp), so the database holds no usable token even
  // before the message is sent; unset, it is there in clear until sent.
  std::optional<crypto::SealingKey> sealing_key;
};

}  // namespace latchkey::email
