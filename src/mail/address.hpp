#pragma once
// Email addresses as latchkey accepts and stores them: the common form
// (RFC 5321 section 4.1.2's Mailbox with a dot-atom local part and a domain
// name), never a quoted local part, an address literal, a comment or a
// display name. What is refused could not be typed into a sign-up form by
// anyone who reads mail, and every byte that is accepted is safe in a mail
// header: no CR, LF, space, quote, comma, angle bracket or non-ASCII byte
// (internationalised addresses, RFC 6531, are not accepted: the local part
// would need SMTPUTF8 end to end).
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace latchkey::mail {

inline constexpr std::size_t kMaxAddress = 254;  // RFC 5321 4.5.3.1.3 (path 256, less the brackets)
inline constexpr std::size_t kMaxLocalPart = 64;   // RFC 5321 4.5.3.1.1
inline constexpr std::size_t kMaxDomain = 253;

// `text` (surrounding spaces trimmed) as stored: the domain lower-cased, the
// local part kept as typed (RFC 5321 2.4: only the receiving host may fold
// it). The error is a sentence for the person who typed it.
tl::expected<std::string, std::string> normalise_address(std::string_view text);

// "a***@example.com": enough for its owner to recognise, for pages that
// tell a person where a message went.
std::string masked(std::string_view address);

// The domain of a normalised address ("" when it has no '@').
std::string_view domain_of(std::string_view address);

}  // namespace latchkey::mail
