#pragma once
// Sends what the mail outbox (store/mail_store.hpp) holds: run_once() takes
// the messages due, renders each (renderer.hpp) and sends it over SMTP. A
// failure (the relay down, a timeout, a refusal) is tried again after a
// wait that doubles, until the last attempt gives up: logged, counted on
// /metrics, listed for the administrator (latchkey mail list), who may
// retry it. Delivery is at least once: a message sent but not noted (a
// crash between) goes again with the same Message-ID.
//
// run_once() BLOCKS (the store, then one SMTP exchange after another, each
// bounded by the SMTP timeouts): call it from its own thread
// (util/periodic_thread.hpp). Nothing here throws; no message body, link,
// token or password is logged or stored (last_error holds libcurl's reason).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "mail/renderer.hpp"
#include "metrics/text_writer.hpp"
#include "net/smtp_client.hpp"
#include "store/mail_store.hpp"
#include "util/outbox_ledger.hpp"
#include "util/time.hpp"

namespace latchkey::mail {

struct SenderOptions {
  std::size_t batch = 20;             // messages taken per run
  std::int64_t max_attempts = 10;     // the last one that fails gives up
  UnixSeconds backoff_base = 10;      // the wait after the first failure...
  UnixSeconds backoff_cap = 60 * 60;  // ...doubling after each, at most this
  net::SmtpOptions smtp;
};

class OutboxSender {
 public:
  // net::smtp_send, or a stand-in in tests.
  using Transport = std::function<tl::expected<void, std::string>(
      const net::SmtpOptions&, std::string_view sender, std::string_view recipient, std::string_view message)>;

  struct Stats {
    std::size_t taken = 0;
    std::size_t sent = 0;
    std::size_t failed = 0;  // to be tried again
    std::size_t gave_up = 0;
    bool store_error = false;  // the run stopped there
    bool busy = false;         // another run was under way
  };
  // Totals since start, for /metrics.
  struct Counters {
    std::uint64_t sent = 0;
    std::uint64_t failed = 0;
    std::uint64_t gave_up = 0;
    std::uint64_t store_errors = 0;
    std::int64_t pending = 0;  // neither sent nor given up, at the end of the last run
  };

  // `renderer` must outlive this. `transport` empty: net::smtp_send.
  OutboxSender(store::MailStore& store, const Renderer& renderer, Clock clock, SenderOptions options,
               Transport transport = {});
  OutboxSender(const OutboxSender&) = delete;
  OutboxSender& operator=(const OutboxSender&) = delete;

  // One batch, in sequence. A second call while one runs returns at once with busy set.
  Stats run_once();
  // From another thread, when the server stops: the message being sent
  // fails at once (it goes again at the next start) and the run ends.
  void cancel() { cancel_.cancel(); }
  Counters counters() const;
  void write_metrics(metrics::TextWriter& out) const;
  const SenderOptions& options() const { return options_; }

 private:
  using Outcome = OutboxLedger::Outcome;
  Outcome send(const store::OutboxMail& m);
  Outcome fail(const store::OutboxMail& m, const std::string& reason, bool last);

  store::MailStore& store_;
  const Renderer& renderer_;
  Clock clock_;
  SenderOptions options_;
  Transport transport_;
  OutboxLedger ledger_;  // used under running_
  std::mutex running_;
  std::atomic<std::int64_t> pending_{0};
  net::SmtpCancel cancel_;
};

}  // namespace latchkey::mail
