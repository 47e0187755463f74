// libFuzzer target: email addresses and mailboxes (mail/address.hpp,
// mail/message.hpp), which come from people (sign-up, the account page,
// "Forgot your password?") and end up in mail headers.
//
// The input is read as one address, and as MAIL_FROM. What is accepted:
//  - is printable ASCII with no space, quote, comma, angle bracket or line
//    break (nothing that could end a header or add a recipient), at most
//    254 characters, with exactly one '@' and a lower-case domain;
//  - is a fixed point: normalising it again gives it back;
//  - composes into a message (as To and From) whose header block has no
//    line that the input made (no header injection).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mail/address.hpp"
#include "mail/message.hpp"

namespace {

using namespace latchkey;

void expect(bool ok) {
  if (!ok) std::abort();
}

void check_safe_address(const std::string& a) {
  expect(!a.empty() && a.size() <= mail::kMaxAddress);
  std::size_t ats = 0;
  for (char c : a) {
    expect(c > 0x20 && c < 0x7f);
    expect(c != '"' && c != ',' && c != '<' && c != '>' && c != '(' && c != ')' && c != ';' && c != '\\');
    if (c == '@') ++ats;
  }
  expect(ats == 1);
  for (char c : mail::domain_of(a)) expect(!(c >= 'A' && c <= 'Z'));
  expect(mail::normalise_address(a) == a);
}

// Every header line of the composed message is one of ours.
void check_headers(const std::string& message) {
  const std::string_view head = std::string_view(message).substr(0, message.find("\r\n\r\n"));
  static constexpr std::string_view kNames[] = {"Date: ", "From: ", "To: ", "Subject: ", "Message-ID: ",
                                                "MIME-Version: ", "Auto-Submitted: ", "X-Latchkey-Kind: ",
                                                "Content-Type: ", " "};
  for (std::size_t start = 0; start < head.size();) {
    std::size_t end = head.find("\r\n", start);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view line = head.substr(start, end - start);
    bool ours = false;
    for (std::string_view n : kNames) ours = ours || line.starts_with(n);
    expect(ours);
    expect(line.find('\r') == std::string_view::npos && line.find('\n') == std::string_view::npos);
    start = end + 2;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto address = mail::normalise_address(input);
  if (address) check_safe_address(*address);
  auto from = mail::parse_mailbox(input);
  if (from) check_safe_address(from->address);
  if (address || from) {
    mail::Message m;
    m.from = from ? *from : mail::Mailbox{"Latchkey", "no-reply@example.com"};
    m.to = address ? *address : "someone@example.com";
    m.subject = std::string(input.substr(0, 200));
    m.text = "text";
    m.html = "<p>html</p>";
    m.message_id = "<k@example.com>";
    m.kind = "verify_email";
    m.date = 0;
    check_headers(mail::compose(m));
  }
  return 0;
}
