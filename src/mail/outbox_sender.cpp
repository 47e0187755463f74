#include "mail/outbox_sender.hpp"

#include <algorithm>

#include "util/log.hpp"

namespace latchkey::mail {

OutboxSender::OutboxSender(store::MailStore& store, const Renderer& renderer, Clock clock, SenderOptions options,
                           Transport transport)
    : store_(store),
      renderer_(renderer),
      clock_(std::move(clock)),
      options_(std::move(options)),
      transport_(transport ? std::move(transport) : Transport(&net::smtp_send)),
      ledger_({.failed = "mail.failed", .gave_up = "mail.gave_up", .store_failed = "mail.store_failed",
               .store_recovered = "mail.store_recovered"},
              {.max_attempts = options_.max_attempts,
               .backoff_base = options_.backoff_base,
               .backoff_cap = options_.backoff_cap}) {
  // The ledger's copy of the retry settings is the one that counts; this
  // one is clamped the same way for options() to tell the truth.
  options_.max_attempts = std::max<std::int64_t>(options_.max_attempts, 1);
  options_.smtp.cancel = &cancel_;
}

OutboxSender::Counters OutboxSender::counters() const {
  const OutboxLedger::Counters n = ledger_.counters();
  return Counters{n.done, n.failed, n.gave_up, n.store_errors, pending_.load(std::memory_order_relaxed)};
}

void OutboxSender::write_metrics(metrics::TextWriter& out) const {
  const Counters n = counters();
  out.family("latchkey_mail_sent_total", "counter", "Messages the SMTP relay accepted.");
  out.sample("latchkey_mail_sent_total", {}, n.sent);
  out.family("latchkey_mail_failed_total", "counter", "Failed attempts to send a message that is tried again later.");
  out.sample("latchkey_mail_failed_total", {}, n.failed);
  out.family("latchkey_mail_gave_up_total", "counter",
             "Messages whose last attempt failed (each logged as mail.gave_up; latchkey mail retry sends it again).");
  out.sample("latchkey_mail_gave_up_total", {}, n.gave_up);
  out.family("latchkey_mail_store_errors_total", "counter", "Calls to the mail outbox in the database that failed.");
  out.sample("latchkey_mail_store_errors_total", {}, n.store_errors);
  out.family("latchkey_mail_pending", "gauge", "Messages neither sent nor given up, as of the sender's last run.");
  out.sample("latchkey_mail_pending", {}, n.pending);
}

OutboxSender::Stats OutboxSender::run_once() {
  std::unique_lock lock(running_, std::try_to_lock);
  if (!lock) return Stats{.busy = true};
  const OutboxLedger::Tally t =
      ledger_.run(store_.due(clock_(), options_.batch), [&](const store::OutboxMail& m) -> std::optional<Outcome> {
        if (cancel_.requested()) return std::nullopt;  // goes at the next start
        return send(m);
      });
  if (t.read) {
    if (auto pending = store_.pending()) pending_.store(*pending, std::memory_order_relaxed);
  }
  return Stats{.taken = t.taken, .sent = t.done, .failed = t.failed, .gave_up = t.gave_up,
               .store_error = t.store_error};
}

OutboxSender::Outcome OutboxSender::send(const store::OutboxMail& m) {
  auto message = renderer_.render(m);
  // A row that cannot be rendered never will be: given up at once.
  if (!message) return fail(m, "cannot be rendered: " + message.error(), true);
  const std::string text = compose(*message);
  auto sent = transport_(options_.smtp, renderer_.sender().from.address, m.recipient, text);
  if (!sent) return fail(m, sent.error(), false);
  // Sent but not noted: it goes again, with the same Message-ID.
  const Outcome outcome = ledger_.done(ledger_.noted("sent", store_.sent(m.id, clock_())));
  if (outcome == Outcome::done)
    log::info("mail.sent", {{"mail", m.id}, {"kind", std::string_view(m.kind)}, {"attempt", m.attempts + 1}});
  return outcome;
}

OutboxSender::Outcome OutboxSender::fail(const store::OutboxMail& m, const std::string& reason, bool last) {
  const log::Field who[] = {{"mail", m.id}, {"kind", std::string_view(m.kind)}};
  return ledger_.failed(
      who, m.attempts + 1, clock_(), reason, last,
      [&](UnixSeconds now) { return ledger_.noted("gave_up", store_.gave_up(m.id, now, reason)); },
      [&](UnixSeconds at) { return ledger_.noted("failed", store_.failed(m.id, at, reason)); });
}

}  // namespace latchkey::mail
