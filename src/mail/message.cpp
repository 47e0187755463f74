#include "mail/message.hpp"

#include <algorithm>
#include <array>
#include <ctime>

#include <sodium.h>

#include "mail/address.hpp"

namespace latchkey::mail {

namespace {

constexpr std::string_view kCrlf = "\r\n";

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// Standard base64 (RFC 4648 section 4, padded), libsodium's.
std::string base64(std::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// A body part's base64 in lines of 76 characters (RFC 2045 6.8).
void append_base64_lines(std::string& out, std::string_view bytes) {
  const std::string b = base64(bytes);
  for (std::size_t i = 0; i < b.size(); i += 76) {
    out.append(b, i, 76);
    out.append(kCrlf);
  }
}

// A header value never holds a line break: each CR or LF becomes a space.
std::string one_line(std::string_view s) {
  std::string out(s);
  std::replace_if(out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return out;
}

void header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append(kCrlf);
}

// A UTF-8 lead byte (not a continuation byte 10xxxxxx).
bool starts_character(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

std::string mailbox_header(const Mailbox& m) {
  if (m.display_name.empty()) return m.address;
  std::string name = encoded_words(m.display_name);
  // Plain ASCII with a special (RFC 5322 3.2.3) is a quoted-string.
  if (name == m.display_name && name.find_first_of("()<>[]:;@,.") != std::string::npos) name = '"' + name + '"';
  return name + " <" + m.address + ">";
}

}  // namespace

tl::expected<Mailbox, std::string> parse_mailbox(std::string_view text) {
  Mailbox m;
  std::string_view address = text;
  const std::size_t open = text.rfind('<');
  if (open != std::string_view::npos) {
    if (text.empty() || text.back() != '>') return tl::unexpected(std::string("MAIL_FROM: a '<' without a closing '>'"));
    address = text.substr(open + 1, text.size() - open - 2);
    std::string_view name = text.substr(0, open);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    if (name.find_first_of("\r\n\"\\") != std::string_view::npos)
      return tl::unexpected(std::string("MAIL_FROM: the display name holds a quote, a backslash or a line break"));
    m.display_name = std::string(name);
  }
  auto normal = normalise_address(address);
  if (!normal) return tl::unexpected("MAIL_FROM: " + normal.error());
  m.address = std::move(*normal);
  return m;
}

std::string encoded_words(std::string_view text) {
  const std::string line = one_line(text);
  // A plain value needs no encoding, unless it looks like an encoded-word.
  if (printable_ascii(line) && line.find("=?") == std::string::npos) {
    // A display name with specials is quoted (RFC 5322 3.2.4); a subject
    // is unstructured, and quoting it would show the quotes, so only
    // characters that need a quoted-string make one.
    return line;
  }
  // Each encoded-word carries at most 45 bytes (60 base64 characters, 72
  // with "=?UTF-8?B?" and "?=": under RFC 2047's 75), never splitting a
  // UTF-8 character between two words.
  std::string out;
  std::size_t i = 0;
  while (i < line.size()) {
    std::size_t n = std::min<std::size_t>(45, line.size() - i);
    while (n > 0 && i + n < line.size() && !starts_character(line[i + n])) --n;
    if (n == 0) n = std::min<std::size_t>(45, line.size() - i);  // not UTF-8: split anywhere
    if (!out.empty()) out.append("\r\n ");
    out.append("=?UTF-8?B?");
    out.append(base64(std::string_view(line).substr(i, n)));
    out.append("?=");
    i += n;
  }
  return out;
}

std::string rfc5322_date(UnixSeconds t) {
  static constexpr std::array<std::string_view, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char digits[32];
  std::snprintf(digits, sizeof digits, "%02d %s %04d %02d:%02d:%02d +0000", tm.tm_mday,
                kMonths[static_cast<std::size_t>(tm.tm_mon) % 12].data(), tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  std::string out(kDays[static_cast<std::size_t>(tm.tm_wday) % 7]);
  out.append(", ");
  out.append(digits);
  return out;
}

std::string compose(const Message& m) {
  // The boundary cannot occur in a base64 body ('_' is not base64).
  const std::string boundary = "=_latchkey_" + one_line(m.message_id.substr(1, 24));
  std::string out;
  out.reserve(m.text.size() * 2 + m.html.size() * 2 + 1024);
  header(out, "Date", rfc5322_date(m.date));
  header(out, "From", mailbox_header(m.from));
  header(out, "To", one_line(m.to));
  header(out, "Subject", encoded_words(m.subject));
  header(out, "Message-ID", one_line(m.message_id));
  header(out, "MIME-Version", "1.0");
  // RFC 3834: an automatic message; auto-responders must not answer it.
  header(out, "Auto-Submitted", "auto-generated");
  header(out, "X-Latchkey-Kind", one_line(m.kind));
  header(out, "Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
  out.append(kCrlf);
  for (const auto& [type, body] : {std::pair<std::string_view, std::string_view>{"text/plain", m.text},
                                   std::pair<std::string_view, std::string_view>{"text/html", m.html}}) {
    out.append("--").append(boundary).append(kCrlf);
    header(out, "Content-Type", std::string(type) + "; charset=UTF-8");
    header(out, "Content-Transfer-Encoding", "base64");
    out.append(kCrlf);
    append_base64_lines(out, body);
  }
  out.append("--").append(boundary).append("--").append(kCrlf);
  return out;
}

}  // namespace latchkey::mail
