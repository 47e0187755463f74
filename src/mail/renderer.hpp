#pragma once
// An outbox row (store::OutboxMail) as the message to send: its kind's
// templates filled from its detail, with the headers that stay the same on
// every attempt (Message-ID from the row's message_key, Date from its
// creation). Nothing here blocks.
#include <optional>
#include <string>

#include <tl/expected.hpp>

#include "crypto/aead.hpp"
#include "mail/message.hpp"
#include "store/records.hpp"
#include "web/templates.hpp"

namespace latchkey::mail {

struct Sender {
  Mailbox from;            // MAIL_FROM
  std::string public_url;  // PUBLIC_URL, without a trailing '/'
  std::string site;        // how the messages name the service: PUBLIC_URL's host
  std::optional<crypto::SealingKey> sealing_key;  // opens sealed links (mail/link_seal.hpp)
};

class Renderer {
 public:
  // `templates` must outlive the renderer; every kind's templates must be
  // in it (they are built in).
  Renderer(const web::Templates& templates, Sender sender) : templates_(templates), sender_(std::move(sender)) {}

  // The error (an unknown kind, a detail that is not a JSON object) is a
  // bug or a damaged row: the message is given up with it.
  tl::expected<Message, std::string> render(const store::OutboxMail& mail) const;

  const Sender& sender() const { return sender_; }

 private:
  const web::Templates& templates_;
  Sender sender_;
};

}  // namespace latchkey::mail
