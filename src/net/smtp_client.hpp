#pragma once
// Outbound mail: one message over SMTP through libcurl's easy interface.
// send() BLOCKS for up to the options' timeout: call it from the mail
// sender's thread, never from an I/O thread. Safe from any thread (one
// handle per thread, kept between calls: a batch of messages to one relay
// reuses its connection and TLS session).
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace latchkey::net {

// Stops the exchanges of the sends it is given to, from another thread:
// the one under way within about a second (a transfer's progress check),
// and whatever blocks on the relay's socket at once (its socket is shut
// down: libcurl also waits for the reply to QUIT when it drops a
// connection, and a relay that holds its replies back would hold a stop).
class SmtpCancel {
 public:
  void cancel();
  bool requested() const { return requested_.load(std::memory_order_relaxed); }

  // For smtp_send's callbacks: the socket libcurl opened, and closed.
  void opened(int fd);
  void closed(int fd);

 private:
  std::atomic<bool> requested_{false};
  std::mutex mutex_;
  int socket_ = -1;
};

struct SmtpOptions {
  // smtp://host[:port] (STARTTLS, required unless `starttls` is off) or
  // smtps://host[:port] (TLS from the first byte).
  std::string url;
  // Off only for a relay on the loopback interface (a test server): the
  // message, and any password, would cross the network in clear.
  bool starttls = true;
  std::string username;  // "" for no AUTH
  std::string password;
  // A PEM file of CAs to trust instead of the system's (a private relay, a
  // test server); "" for the system's. Certificates and names are always
  // verified.
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{5000};
  // The whole exchange. RFC 5321 4.5.3.2 allows a relay minutes per step;
  // 30 s for a message of a few kilobytes is generous and bounds the sender.
  std::chrono::milliseconds timeout{30000};
  // How a server that stops does not wait out a slow relay; null: none.
  SmtpCancel* cancel = nullptr;
};

// Whether a URL names a host on the loopback interface (127.0.0.0/8, ::1,
// localhost): where SMTP without TLS may be allowed.
bool loopback_url(std::string_view url);

// Sends `message` (headers and body, CRLF lines, as mail/message.hpp
// composes it) from `sender` to `recipient` (bare addresses: the envelope).
// The error is one line (a refused connection, a failed STARTTLS, a
// rejected AUTH or recipient with the relay's reply code) that never holds
// the message or the password: fit for logs and the outbox's last_error.
// Every failure may be retried: a 5xx today (a full mailbox, a relay's
// misconfiguration) may be fixed tomorrow, and the sender's attempts are bounded.
tl::expected<void, std::string> smtp_send(const SmtpOptions& options, std::string_view sender,
                                        std::string_view recipient, std::string_view message);

}  // namespace latchkey::net
