#include "mail/renderer.hpp"

#include <algorithm>
#include <ctime>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "auth/device.hpp"
#include "mail/address.hpp"
#include "mail/kinds.hpp"
#include "mail/link_seal.hpp"

namespace latchkey::mail {

namespace {

std::string text_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// "2026-12-05 20:10 UTC".
std::string when(UnixSeconds t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%d %H:%M UTC", &tm);
  return out;
}

std::string factor_words(std::string_view factor) {
  if (factor == "totp") return "An authenticator app";
  if (factor == "passkey") return "A passkey";
  return "A second factor";
}

// "Subject: ..." on the first line, a blank line, then the text.
bool split_subject(const std::string& text, std::string& subject, std::string& body) {
  constexpr std::string_view kPrefix = "Subject: ";
  const std::size_t eol = text.find('\n');
  if (!text.starts_with(kPrefix) || eol == std::string::npos) return false;
  subject = text.substr(kPrefix.size(), eol - kPrefix.size());
  if (!subject.empty() && subject.back() == '\r') subject.pop_back();
  std::size_t start = eol + 1;
  while (start < text.size() && (text[start] == '\n' || text[start] == '\r')) ++start;
  body = text.substr(start);
  return true;
}

// LF to CRLF (SMTP's line ending); a CRLF stays one.
std::string crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

}  // namespace

tl::expected<Message, std::string> Renderer::render(const store::OutboxMail& mail) const {
  if (std::find(kKinds.begin(), kKinds.end(), mail.kind) == kKinds.end())
    return tl::unexpected("unknown kind " + mail.kind);
  boost::system::error_code ec;
  const boost::json::value detail = boost::json::parse(mail.detail, ec);
  if (ec || !detail.is_object()) return tl::unexpected(std::string("its detail is not a JSON object"));
  const auto& o = detail.get_object();

  const std::string username = text_field(o, "username");
  const std::optional<std::string> link = link_of(o, mail.recipient, sender_.sealing_key);
  if (!link) return tl::unexpected(std::string("its link is sealed with another DATA_ENCRYPTION_KEY"));
  const std::string device = auth::describe_device(text_field(o, "user_agent"));
  // Values hold views: every value lives in a named string until the render is done.
  std::string ip = text_field(o, "ip");
  if (ip.empty()) ip = "unknown";
  const std::string factor = factor_words(text_field(o, "factor"));
  const std::string new_email = text_field(o, "new_email");
  const std::string at = when(mail.created_at);
  const std::string account_link = sender_.public_url + "/account";

  web::Values values;
  values.text("username", username)
      .text("link", *link)
      .text("device", device)
      .text("ip", ip)
      .text("factor", factor)
      .text("new_email", new_email)
      .text("when", at)
      .text("account_link", account_link)
      .text("site", sender_.site);

  const std::string kind(mail.kind);
  std::string subject, text;
  if (!split_subject(templates_.at("mail/" + kind + ".txt").render_text(values), subject, text))
    return tl::unexpected("mail/" + kind + ".txt does not start with a Subject: line");
  const web::Html body = templates_.at("mail/" + kind + ".html").render(values);
  web::Values page;
  page.text("subject", subject).text("site", sender_.site).html("body", body);
  const web::Html html = templates_.at("mail/layout.html").render(page);

  Message m;
  m.from = sender_.from;
  m.to = mail.recipient;
  m.subject = std::move(subject);
  m.text = crlf(text);
  m.html = crlf(html.str());
  m.message_id = "<" + mail.message_key + "@" + std::string(domain_of(sender_.from.address)) + ">";
  m.kind = kind;
  m.date = mail.created_at;
  return m;
}

}  // namespace latchkey::mail
