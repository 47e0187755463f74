#include "mail/outbox_sender.hpp"

#include <algorithm>

#include "util/backoff.hpp"
#include "util/log.hpp"

namespace latchkey::mail {

OutboxSender::OutboxSender(store::MailStore& store, const Renderer& renderer, Clock clock, SenderOptions options,
                           Transport transport)
    : store_(store),
      renderer_(renderer),
      clock_(std::move(clock)),
      options_(std::move(options)),
      transport_(transport ? std::move(transport) : Transport(&net::smtp_send)) {
  options_.max_attempts = std::max<std::int64_t>(options_.max_attempts, 1);
  options_.smtp.cancel = &cancel_;
}

OutboxSender::Counters OutboxSender::counters() const {
  return Counters{sent_.load(std::memory_order_relaxed), failed_.load(std::memory_order_relaxed),
                  gave_up_.load(std::memory_order_relaxed), store_errors_.load(std::memory_order_relaxed),
                  pending_.load(std::memory_order_relaxed)};
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

void OutboxSender::store_failed(std::string_view op, store::StoreError e) {
  store_errors_.fetch_add(1, std::memory_order_relaxed);
  if (store_down_) return;
  store_down_ = true;
  log::warn("mail.store_failed", {{"op", op}, {"error", store::describe(e)}});
}

OutboxSender::Stats OutboxSender::run_once() {
  Stats stats;
  std::unique_lock lock(running_, std::try_to_lock);
  if (!lock) {
    stats.busy = true;
    return stats;
  }
  auto due = store_.due(clock_(), options_.batch);
  if (!due) {
    store_failed("due", due.error());
    stats.store_error = true;
    return stats;
  }
  if (store_down_) log::info("mail.store_recovered");
  store_down_ = false;
  stats.taken = due->size();
  for (const store::OutboxMail& m : *due) {
    if (cancel_.requested()) break;
    const Outcome outcome = send(m);
    if (outcome == Outcome::store_error) {
      stats.store_error = true;
      break;
    }
    if (outcome == Outcome::sent) ++stats.sent;
    else if (outcome == Outcome::failed) ++stats.failed;
    else ++stats.gave_up;
  }
  if (auto pending = store_.pending()) pending_.store(*pending, std::memory_order_relaxed);
  return stats;
}

OutboxSender::Outcome OutboxSender::send(const store::OutboxMail& m) {
  auto message = renderer_.render(m);
  // A row that cannot be rendered never will be: given up at once.
  if (!message) return fail(m, "cannot be rendered: " + message.error(), true);
  const std::string text = compose(*message);
  auto sent = transport_(options_.smtp, renderer_.sender().from.address, m.recipient, text);
  if (!sent) return fail(m, std::move(sent.error()), m.attempts + 1 >= options_.max_attempts);
  if (auto noted = store_.sent(m.id, clock_()); !noted) {
    // Sent but not noted: it goes again, with the same Message-ID.
    store_failed("sent", noted.error());
    return Outcome::store_error;
  }
  sent_.fetch_add(1, std::memory_order_relaxed);
  log::info("mail.sent", {{"mail", m.id}, {"kind", std::string_view(m.kind)}, {"attempt", m.attempts + 1}});
  return Outcome::sent;
}

OutboxSender::Outcome OutboxSender::fail(const store::OutboxMail& m, std::string reason, bool last) {
  const UnixSeconds now = clock_();
  const std::int64_t failures = m.attempts + 1;
  if (last) {
    if (auto noted = store_.gave_up(m.id, now, reason); !noted) {
      store_failed("gave_up", noted.error());
      return Outcome::store_error;
    }
    gave_up_.fetch_add(1, std::memory_order_relaxed);
    log::warn("mail.gave_up", {{"mail", m.id},
                               {"kind", std::string_view(m.kind)},
                               {"attempts", failures},
                               {"reason", std::string_view(reason)}});
    return Outcome::gave_up;
  }
  const UnixSeconds wait = backoff(failures, options_.backoff_base, options_.backoff_cap);
  if (auto noted = store_.failed(m.id, now + wait, reason); !noted) {
    store_failed("failed", noted.error());
    return Outcome::store_error;
  }
  failed_.fetch_add(1, std::memory_order_relaxed);
  log::info("mail.failed", {{"mail", m.id},
                            {"kind", std::string_view(m.kind)},
                            {"attempt", failures},
                            {"reason", std::string_view(reason)},
                            {"retry_in", wait}});
  return Outcome::failed;
}

}  // namespace latchkey::mail
