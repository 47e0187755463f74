#pragma once
// One client connection: owns its socket and buffer, loops read, handle,
// write until the client leaves, a deadline passes or the server stops.
// A connection lives on one I/O thread (its shard, http/server.cpp): every
// call below is made on that thread, so nothing here is locked.
#include <chrono>
#include <exception>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include "http/beast_message.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/tls.hpp"

namespace latchkey::http {

using Clock = std::chrono::steady_clock;

// What the server keeps of every connection, whatever its stream.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Finish the request in hand (if any), then close.
  virtual void stop() = 0;
  // Abandons the read or write in progress if it has run past its deadline.
  // The shard calls this a few times a second: cheaper than a timer per
  // operation, and precise enough for timeouts counted in seconds.
  virtual void expire(Clock::time_point now) = 0;
};

// Plain HTTP: the socket is the stream.
class PlainStream : public boost::asio::ip::tcp::socket {
 public:
  explicit PlainStream(boost::asio::ip::tcp::socket s) : boost::asio::ip::tcp::socket(std::move(s)) {}
  boost::asio::ip::tcp::socket& socket() { return *this; }
};

// Stream: PlainStream (HTTP) or TlsStream (HTTPS). The loop is compiled for
// each, so a request costs no virtual call either way.
template <class Stream>
class Connection final : public ConnectionBase {
 public:
  Connection(Stream stream, const Router& router, const ServerOptions& options);

  boost::asio::awaitable<void> serve();
  void stop() override;
  void expire(Clock::time_point now) override;

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body, ArenaAlloc>;
  // What reading a request came to.
  enum class Got {
    request,     // a whole request, in the parser: handle it
    unreadable,  // answer `status`, then close: the rest of the stream cannot be trusted
    lost,        // the client left, stalled or broke the stream: close without a word
    closing,     // close politely (the 100 Continue could not be written)
  };
  struct Read {
    Got got;
    unsigned status = 0;
  };

  // The steps of serve(), one request after another.
  boost::asio::awaitable<bool> handshake();  // TLS; true for plain HTTP
  boost::asio::awaitable<Read> read_request(Parser& parser, boost::beast::flat_buffer& buffer);
  boost::beast::error_code end_of_input(Parser& parser, boost::beast::error_code rec, bool in_header);
  Read read_outcome(const boost::beast::error_code& ec, const boost::beast::flat_buffer& buffer) const;
  std::optional<Read> start_body(Parser& parser) const;
  std::size_t body_limit(const BeastRequest& head) const;
  boost::asio::awaitable<void> answer_unreadable(const Parser& parser, unsigned status);
  void prepare(Request& request, const BeastRequest& req);
  // The client's address: the peer's (the very text of peer_ip_), or the
  // one a trusted peer forwards. Other peers' fields are not looked at.
  std::string_view client_ip(const BeastRequest& head) {
    return peer_trusted_ ? forwarded_client_ip(head) : std::string_view(peer_ip_);
  }
  std::string_view forwarded_client_ip(const BeastRequest& head);
  Response handler_failed(const Router::Match& matched, const std::exception& e) const;
  void take_request_id(std::string_view given);
  void compose(const Response& r, unsigned version, bool keep_alive);
  boost::asio::awaitable<void> close(bool gracefully);

  // Writes out_ whole, within the write timeout.
  boost::asio::awaitable<boost::beast::error_code> write_out();
  void arm(std::chrono::nanoseconds timeout) { deadline_ = Clock::now() + timeout; }
  void disarm() { deadline_ = Clock::time_point::max(); }

  Stream stream_;
  const Router& router_;
  const ServerOptions& options_;
  std::string out_;  // the answer being written; its capacity is reused
  std::string body_buffer_;  // Request::body_buffer; its capacity is reused
  boost::asio::ip::address peer_;  // normalized (http/client_address.hpp)
  std::string peer_ip_;             // its text
  bool peer_trusted_ = false;       // a trusted proxy: its requests' forwarding fields are read
  std::string client_ip_;           // the request's client when a proxy forwarded it; capacity reused
  std::string request_id_;   // the request's in hand; its capacity is reused
  static constexpr std::size_t kKeptBodyBytes = 4096;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool busy_ = false;      // a request is being handled or answered
  bool stopping_ = false;
};

extern template class Connection<PlainStream>;
extern template class Connection<TlsStream>;

}  // namespace latchkey::http
