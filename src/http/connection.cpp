#include "http/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <memory_resource>
#include <span>
#include <type_traits>

#include "crypto/random.hpp"
#include "http/beast_message.hpp"
#include "http/client_address.hpp"
#include "http/response_writer.hpp"
#include "util/log.hpp"

namespace latchkey::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::use_awaitable;
constexpr auto tuple_awaitable = asio::as_tuple(use_awaitable);

namespace {

// The status for a request that could not be read, or 0 to close silently.
unsigned status_for_read_error(const beast::error_code& ec) {
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::header_limit) return 431;
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
    return 400;
  return 0;
}

// When the header block is too large because of one huge Authorization
// field, the trouble is the token, not the request: answer it as a token.
bool oversized_authorization(const beast::flat_buffer& buffer, std::size_t max_line) {
  const std::string_view raw(static_cast<const char*>(buffer.data().data()), buffer.size());
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t eol = raw.find("\r\n", pos);
    const std::string_view line = raw.substr(pos, eol == std::string_view::npos ? raw.npos : eol - pos);
    if (line.size() > max_line && line.size() >= 14 &&
        beast::iequals(line.substr(0, 14), "authorization:"))
      return true;
    if (eol == std::string_view::npos) break;
    pos = eol + 2;
  }
  return false;
}

Response read_error_response(unsigned status) {
  switch (status) {
    case 401: {
      Response r = json_error(401, "invalid_token", "Invalid token");
      r.headers.emplace_back("WWW-Authenticate",
                             "Bearer realm=\"latchkey\", error=\"invalid_token\", "
                             "error_description=\"invalid token\"");
      return r;
    }
    case 413: return json_error(413, "payload_too_large", "Request body is too large");
    case 431: return json_error(431, "headers_too_large", "Request headers are too large");
    default: return json_error(400, "bad_request", "Malformed HTTP request");
  }
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// One request as the metrics and the access log see it.
struct Exchange {
  Clock::time_point started = Clock::now();
  std::string_view method = "other";  // the request's only when a route took it
  Router::Match matched;
  unsigned status = 0;
  std::string_view reason;  // why it was answered without dispatch
};

// The request's metrics and its access-log line: the route pattern, never
// the raw path (a path can carry anything). `ip` is the client's; `peer`, the
// TCP peer's, is logged only when it differs (a trusted proxy).
void record(const Exchange& x, std::string_view ip, std::string_view peer, std::string_view request_id) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - x.started).count();
  if (x.matched.series) x.matched.series->observe(x.status, static_cast<std::uint64_t>(micros));
  const double ms = static_cast<double>(micros) / 1000.0;
  const auto status = static_cast<std::int64_t>(x.status);
  // The client is the peer when it is its very text (Connection::client_ip).
  const bool proxied = ip.data() != peer.data() && ip != peer;
  if (!proxied && x.reason.empty()) {
    // The common line, in one piece: a line built field by field costs
    // about 70 instructions more (callgrind).
    log::info("http.request", {{"method", x.method}, {"route", x.matched.route}, {"status", status},
                               {"latency_ms", ms}, {"ip", ip}, {"request_id", request_id}});
    return;
  }
  std::array<log::Field, 8> fields;
  std::size_t n = 0;
  fields[n++] = {"method", x.method};
  fields[n++] = {"route", x.matched.route};
  fields[n++] = {"status", status};
  fields[n++] = {"latency_ms", ms};
  fields[n++] = {"ip", ip};
  if (proxied) fields[n++] = {"peer", peer};
  if (!x.reason.empty()) fields[n++] = {"reason", x.reason};
  fields[n++] = {"request_id", request_id};
  log::write(log::Level::info, "http.request", std::span<const log::Field>(fields.data(), n));
}

}  // namespace

template <class Stream>
Connection<Stream>::Connection(Stream stream, const Router& router, const ServerOptions& options)
    : stream_(std::move(stream)), router_(router), options_(options) {}

template <class Stream>
void Connection<Stream>::stop() {
  stopping_ = true;
  beast::error_code ignored;
  if (!busy_) stream_.socket().cancel(ignored);  // wakes an idle read; it then ends the loop
}

template <class Stream>
void Connection<Stream>::expire(Clock::time_point now) {
  if (now < deadline_) return;
  disarm();
  beast::error_code ignored;
  stream_.socket().cancel(ignored);  // the pending operation ends with operation_aborted
}

template <class Stream>
asio::awaitable<beast::error_code> Connection<Stream>::write_out() {
  arm(options_.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out_), tuple_awaitable);
  disarm();
  co_return ec;
}

// Read, handle, write, record; until the client leaves, a request cannot be
// read or answered, or the server stops.
template <class Stream>
asio::awaitable<void> Connection<Stream>::serve() {
  beast::error_code ec;
  peer_ = normalized(stream_.socket().remote_endpoint(ec).address());
  address_text(peer_, peer_ip_);
  // Per connection: a peer that is no trusted proxy costs its requests nothing.
  peer_trusted_ = options_.trusted_proxies && options_.trusted_proxies->contains(peer_);
  if (!co_await handshake()) co_return;
  beast::flat_buffer buffer;
  // In the coroutine's frame, which lives as long as the connection.
  alignas(std::max_align_t) std::array<std::byte, kArenaBytes> arena_bytes;
  std::pmr::monotonic_buffer_resource arena(arena_bytes.data(), arena_bytes.size());
  bool gracefully = true;
  while (!stopping_) {
    arena.release();  // the previous request's fields are gone with it
    Parser parser(std::piecewise_construct, std::make_tuple(), std::make_tuple(ArenaAlloc(&arena)));
    const Read read = co_await read_request(parser, buffer);
    if (read.got != Got::request) {
      if (read.got == Got::unreadable) co_await answer_unreadable(parser, read.status);
      gracefully = read.got != Got::lost;
      break;
    }
    BeastRequest req = parser.release();
    BeastHeaders headers(req);
    Request request(headers);
    Exchange x;
    prepare(request, req);
    // Handle. Awaited here, not in a helper coroutine: each coroutine level
    // costs about 300 instructions per request (measured with callgrind).
    Response response;
    try {
      response = co_await router_.dispatch(request, &x.matched);
    } catch (const std::exception& e) {
      response = handler_failed(x.matched, e);
    }
    x.status = response.status;
    if (x.matched.found) x.method = request.method;
    const bool keep_alive = req.keep_alive() && !stopping_;
    compose(response, req.version(), keep_alive);
    // Kept for the next request's body, unless large (a rare listing).
    if (response.body.capacity() <= kKeptBodyBytes) body_buffer_ = std::move(response.body);
    // Recorded before the write: a client that has read its answer finds it
    // counted on /metrics (the latency so excludes the socket write).
    record(x, request.remote_ip, peer_ip_, request_id_);
    const beast::error_code wec = co_await write_out();
    if (wec) gracefully = false;
    if (wec || !keep_alive) break;
  }
  co_await close(gracefully);
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::handshake() {
  if constexpr (!std::is_same_v<Stream, TlsStream>) {
    co_return true;
  } else {
    // The handshake gets the header's time: a client that connects and
    // stalls (or speaks plain HTTP, or garbage) is cut off alike.
    arm(options_.header_timeout);
    auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
    disarm();
    if (!ec) co_return true;
    log::info("tls.handshake_failed", {{"ip", std::string_view(peer_ip_)}, {"reason", std::string_view(ec.message())}});
    beast::error_code ignored;
    stream_.socket().close(ignored);
    co_return false;
  }
}

// The next request, header and body, into `parser`. One coroutine for the
// whole read, awaiting the socket directly: a nested coroutine per phase
// would cost its call on every request.
template <class Stream>
asio::awaitable<typename Connection<Stream>::Read> Connection<Stream>::read_request(Parser& parser,
                                                                                     beast::flat_buffer& buffer) {
  parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
  // No body limit while the header is read: a too-large Content-Length is
  // answered with the header (and its X-Request-Id) in hand.
  parser.body_limit(boost::none);
  busy_ = false;
  // Idle until the next request starts; then the header clock runs, once,
  // so a client that sends half a header and waits is cut off (slow loris).
  arm(options_.idle_timeout);
  bool begun = false, in_header = true;
  beast::error_code ec;
  for (;;) {
    if (buffer.size() > 0) {
      if (!begun) arm(options_.header_timeout);
      begun = true;
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == bhttp::error::need_more) ec = {};
      if (ec) break;
      if (in_header && parser.is_header_done()) {
        in_header = false;
        busy_ = true;
        if (parser.is_done()) break;  // no body
        if (auto refused = start_body(parser)) {
          disarm();
          co_return *refused;
        }
        if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
          const bool http10 = parser.get().version() == 10;
          out_.assign(http10 ? "HTTP/1.0 100 Continue\r\n\r\n" : "HTTP/1.1 100 Continue\r\n\r\n");
          if (co_await write_out()) co_return Read{Got::closing};  // write_out disarms
        }
        arm(options_.read_timeout);
      }
      if (parser.is_done()) break;
      if (used > 0 && buffer.size() > 0) continue;  // e.g. the header ended; the body follows
    }
    const std::size_t room =
        begun ? std::clamp<std::size_t>(buffer.capacity() - buffer.size(), 1024, 65536) : 4096;
    auto [rec, n] = co_await stream_.async_read_some(buffer.prepare(room), tuple_awaitable);
    if (rec) {
      ec = end_of_input(parser, rec, in_header);
      break;
    }
    buffer.commit(n);
  }
  disarm();
  busy_ = true;
  co_return read_outcome(ec, buffer);
}

// What ended the reading: a read that failed with `rec`. Before any byte
// of a request, the client left (or stalled idle): not worth an answer.
template <class Stream>
beast::error_code Connection<Stream>::end_of_input(Parser& parser, beast::error_code rec, bool in_header) {
  if (!parser.got_some()) return asio::error::operation_aborted;  // idle: closed without a word
  if (rec != asio::error::eof && rec != asio::ssl::error::stream_truncated) return rec;
  // As Beast's own read: the end of a message cut short is partial_message.
  beast::error_code ec;
  parser.put_eof(ec);
  if (!ec && !(in_header ? parser.is_header_done() : parser.is_done())) ec = bhttp::error::partial_message;
  return ec;
}

// A whole request, or the answer to give (and close), or nothing to say.
template <class Stream>
typename Connection<Stream>::Read Connection<Stream>::read_outcome(const beast::error_code& ec,
                                                                   const beast::flat_buffer& buffer) const {
  if (!ec) return Read{Got::request};
  unsigned status = status_for_read_error(ec);
  if (status == 431 && oversized_authorization(buffer, options_.max_authorization_bytes)) status = 401;
  return Read{status ? Got::unreadable : Got::lost, status};
}

// Before the body is read: refused at once when its announced length is
// over the limit (no reading what would not be kept), else limited as it comes.
template <class Stream>
std::optional<typename Connection<Stream>::Read> Connection<Stream>::start_body(Parser& parser) const {
  const std::size_t limit = body_limit(parser.get());
  if (auto length = parser.content_length(); length && *length > limit) return Read{Got::unreadable, 413};
  parser.body_limit(limit);  // chunked bodies
  return std::nullopt;
}

// The server's body limit, or the route's when it has a smaller one. Asked
// only of requests with a body: a GET costs no second route lookup.
template <class Stream>
std::size_t Connection<Stream>::body_limit(const BeastRequest& head) const {
  if (!router_.has_body_limits()) return options_.max_body_bytes;  // no second lookup per request
  const std::size_t route = router_.match(head.method_string(), path_of(head.target())).max_body_bytes;
  return route == 0 ? options_.max_body_bytes : std::min(route, options_.max_body_bytes);
}

template <class Stream>
asio::awaitable<void> Connection<Stream>::answer_unreadable(const Parser& parser, unsigned status) {
  Exchange x;
  x.status = status;
  x.reason = "unreadable request";
  unsigned version = 11;
  std::string_view given_id;
  std::string_view ip = peer_ip_;
  if (parser.is_header_done()) {
    const auto& head = parser.get();
    given_id = head["X-Request-Id"];
    ip = client_ip(head);
    x.matched = router_.match(head.method_string(), path_of(head.target()));
    if (x.matched.found) x.method = head.method_string();
    version = head.version();
  } else {
    x.matched = router_.match({}, {});
  }
  take_request_id(given_id);
  compose(read_error_response(status), version, false);
  record(x, ip, peer_ip_, request_id_);  // before the write, as in serve()
  co_await write_out();
}

// An exception out of a handler is a bug: logged, answered 500.
template <class Stream>
Response Connection<Stream>::handler_failed(const Router::Match& matched, const std::exception& e) const {
  log::error("http.handler_failed", {{"route", matched.route}, {"request_id", std::string_view(request_id_)},
                                     {"what", std::string_view(e.what())}});
  return json_error(500, "internal_error", "Internal server error");
}

// Points `request` into `req` and lends it the connection's buffers.
template <class Stream>
void Connection<Stream>::prepare(Request& request, const BeastRequest& req) {
  describe(request, req);
  request.peer_ip = peer_ip_;
  request.remote_ip = client_ip(req);
  take_request_id(req["X-Request-Id"]);
  request.request_id = request_id_;
  body_buffer_.clear();
  request.body_buffer = &body_buffer_;
}

// The client's address when the peer is a trusted proxy: the one its
// forwarding fields name. Only their last lines are read: the walk from the
// right never looks further.
template <class Stream>
std::string_view Connection<Stream>::forwarded_client_ip(const BeastRequest& head) {
  std::array<std::string_view, kMaxForwardingEntries> forwarded, forwarded_for;
  const ForwardingFields fields{last_values(head, "Forwarded", forwarded),
                                last_values(head, "X-Forwarded-For", forwarded_for)};
  const asio::ip::address client = client_address(peer_, *options_.trusted_proxies, fields);
  if (client == peer_) return peer_ip_;
  address_text(client, client_ip_);
  return client_ip_;
}

// The client's X-Request-Id when short and plain, a fresh one otherwise.
template <class Stream>
void Connection<Stream>::take_request_id(std::string_view given) {
  if (valid_request_id(given)) request_id_.assign(given);
  else request_id_ = crypto::buffered_random_token(kRequestIdBytes);
}

template <class Stream>
void Connection<Stream>::compose(const Response& r, unsigned version, bool keep_alive) {
  out_.clear();
  write_response(r, version == 10 ? 10 : 11, keep_alive, request_id_, out_);
}

template <class Stream>
asio::awaitable<void> Connection<Stream>::close(bool gracefully) {
  beast::error_code ec;
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    if (gracefully) {
      // close_notify, then wait briefly for the client's (or its FIN).
      arm(std::chrono::seconds(2));
      co_await stream_.async_shutdown(tuple_awaitable);
      disarm();
      gracefully = false;
    }
  }
  if (gracefully) {
    // Half-close, then drain briefly: closing with unread input would make the
    // kernel send a reset that can destroy the answer we just wrote.
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    arm(std::chrono::seconds(2));
    char sink[4096];
    std::size_t drained = 0;
    while (drained < 1024 * 1024) {
      auto [rec, n] = co_await stream_.async_read_some(asio::buffer(sink), tuple_awaitable);
      if (rec) break;
      drained += n;
    }
    disarm();
  }
  stream_.socket().close(ec);
}

template class Connection<PlainStream>;
template class Connection<TlsStream>;

}  // namespace latchkey::http
