#pragma once
// One mail message as it goes over SMTP (RFC 5322 with MIME, RFC 2045-2047):
// the headers, then multipart/alternative with a text/plain and a text/html
// part, both UTF-8 in base64 (no line of a body can then be too long, start
// a "." or carry a bare CR or LF). Subjects and display names that are not
// plain ASCII are RFC 2047 encoded-words. No header takes a CR or LF from
// its values: each is folded to a space, so no value can add a header.
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "util/time.hpp"

namespace latchkey::mail {

// MAIL_FROM: "Name <address>" or a bare address.
struct Mailbox {
  std::string display_name;  // "" for none
  std::string address;       // normalised
};
// The error is a sentence for the operator.
tl::expected<Mailbox, std::string> parse_mailbox(std::string_view text);

struct Message {
  Mailbox from;
  std::string to;          // a normalised address
  std::string subject;     // UTF-8, one line
  std::string text;        // the text/plain body, UTF-8
  std::string html;        // the text/html body, UTF-8
  std::string message_id;  // "<key@domain>": the same on every attempt
  std::string kind;        // X-Latchkey-Kind: for filters, and tests
  UnixSeconds date = 0;
};

// The message as sent, lines ending CRLF.
std::string compose(const Message& m);

// `text` as a header value: itself when it is printable ASCII, else RFC 2047
// encoded-words ("=?UTF-8?B?...?=", each at most 75 characters, folded).
std::string encoded_words(std::string_view text);

// RFC 5322 3.3's date-time in UTC: "Sat, 05 Dec 2026 20:10:00 +0000".
std::string rfc5322_date(UnixSeconds t);

}  // namespace latchkey::mail
