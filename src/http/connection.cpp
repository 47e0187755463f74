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
#include <type_traits>

#include "crypto/random.hpp"
#include "http/beast_message.hpp"
#include "http/response_writer.hpp"
#include "token/jwt.hpp"
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
bool oversized_authorization(const beast::flat_buffer& buffer) {
  const std::string_view raw(static_cast<const char*>(buffer.data().data()), buffer.size());
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t eol = raw.find("\r\n", pos);
    const std::string_view line = raw.substr(pos, eol == std::string_view::npos ? raw.npos : eol - pos);
    if (line.size() > token::kMaxTokenLength && line.size() >= 14 &&
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
template <class Parser, class Done>
asio::awaitable<beast::error_code> Connection<Stream>::read(Parser& parser, Done done,
                                                            beast::flat_buffer& buffer,
                                                            std::chrono::nanoseconds timeout) {
  arm(timeout);
  beast::error_code ec;
  for (;;) {
    if (buffer.size() > 0) {
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == bhttp::error::need_more) ec = {};
      if (ec || done(parser)) break;
      if (used > 0 && buffer.size() > 0) continue;  // e.g. the header ended; the body follows
    }
    const std::size_t room = std::clamp<std::size_t>(buffer.capacity() - buffer.size(), 1024, 65536);
    auto [rec, n] = co_await stream_.async_read_some(buffer.prepare(room), tuple_awaitable);
    if (rec == asio::error::eof || rec == asio::ssl::error::stream_truncated) {
      // As Beast's own read: the end of a message cut short is partial_message.
      if (parser.got_some()) parser.put_eof(ec);
      else ec = bhttp::error::end_of_stream;
      if (!ec && !done(parser)) ec = bhttp::error::partial_message;
      break;
    }
    if (rec) {
      ec = rec;
      break;
    }
    buffer.commit(n);
  }
  disarm();
  co_return ec;
}

template <class Stream>
asio::awaitable<beast::error_code> Connection<Stream>::write_out() {
  arm(options_.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out_), tuple_awaitable);
  disarm();
  co_return ec;
}

template <class Stream>
asio::awaitable<void> Connection<Stream>::serve() {
  constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  beast::error_code ec;
  const std::string remote_ip = stream_.socket().remote_endpoint(ec).address().to_string();
  if constexpr (kTls) {
    // The handshake gets the header's time: a client that connects and
    // stalls (or speaks plain HTTP, or garbage) is cut off alike.
    arm(options_.header_timeout);
    auto [tec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
    disarm();
    if (tec) {
      log::info("tls.handshake_failed", {{"ip", std::string_view(remote_ip)},
                                         {"reason", std::string_view(tec.message())}});
      stream_.socket().close(ec);
      co_return;
    }
  }
  beast::flat_buffer buffer;
  bool close_gracefully = true;
  // In the coroutine's frame, which lives as long as the connection.
  alignas(std::max_align_t) std::array<std::byte, kArenaBytes> arena_bytes;
  std::pmr::monotonic_buffer_resource arena(arena_bytes.data(), arena_bytes.size());
  using Parser = bhttp::request_parser<bhttp::string_body, ArenaAlloc>;
  auto header_done = [](const Parser& p) { return p.is_header_done(); };
  auto message_done = [](const Parser& p) { return p.is_done(); };

  while (!stopping_) {
    arena.release();  // the previous request's fields are gone with it
    Parser parser(std::piecewise_construct, std::make_tuple(), std::make_tuple(ArenaAlloc(&arena)));
    parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    // No body limit while the header is read: a too-large Content-Length is
    // answered below with the header (and its X-Request-Id) in hand.
    parser.body_limit(boost::none);

    busy_ = false;
    if (buffer.size() == 0) {
      // Idle until the next request starts; then the header clock runs, so a
      // client that sends half a header and waits is cut off (slow loris).
      arm(options_.idle_timeout);
      auto [iec, n] = co_await stream_.async_read_some(buffer.prepare(4096), tuple_awaitable);
      disarm();
      if (iec) {
        close_gracefully = false;
        break;
      }
      buffer.commit(n);
    }
    const beast::error_code hec = co_await read(parser, header_done, buffer, options_.header_timeout);
    busy_ = true;
    unsigned early_status = 0;
    if (hec) {
      early_status = status_for_read_error(hec);
      if (early_status == 431 && oversized_authorization(buffer)) early_status = 401;
      if (early_status == 0) {
        close_gracefully = false;
        break;
      }
    } else {
      const auto& head = parser.get();
      if (auto len = parser.content_length(); len && *len > options_.max_body_bytes) {
        early_status = 413;  // refuse before reading what we would not keep
      } else if (!parser.is_done()) {
        parser.body_limit(options_.max_body_bytes);  // chunked bodies
        if (beast::iequals(head[bhttp::field::expect], "100-continue")) {
          out_.assign(head.version() == 10 ? "HTTP/1.0 100 Continue\r\n\r\n" : "HTTP/1.1 100 Continue\r\n\r\n");
          if (co_await write_out()) break;
        }
        const beast::error_code bec = co_await read(parser, message_done, buffer, options_.read_timeout);
        if (bec) {
          early_status = status_for_read_error(bec);
          if (early_status == 0) {
            close_gracefully = false;
            break;
          }
        }
      }
    }

    if (early_status != 0) {
      // The rest of the stream cannot be trusted: answer, then close.
      const auto started = Clock::now();
      std::string request_id;
      std::string_view method = "other";
      Router::Match matched;
      unsigned version = 11;
      if (parser.is_header_done()) {
        const auto& head = parser.get();
        request_id = std::string(std::string_view(head["X-Request-Id"]));
        matched = router_.match(head.method_string(), head.target().substr(0, head.target().find('?')));
        if (matched.found) method = head.method_string();
        version = head.version() == 10 ? 10 : 11;
      } else {
        matched = router_.match({}, {});
      }
      if (!valid_request_id(request_id)) request_id = crypto::buffered_random_token(kRequestIdBytes);
      out_.clear();
      write_response(read_error_response(early_status), version, false, request_id, out_);
      co_await write_out();
      const auto micros =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
      if (matched.series) matched.series->observe(early_status, static_cast<std::uint64_t>(micros));
      log::info("http.request", {{"method", method}, {"route", matched.route},
                                 {"status", static_cast<std::int64_t>(early_status)},
                                 {"latency_ms", static_cast<double>(micros) / 1000.0},
                                 {"ip", std::string_view(remote_ip)}, {"reason", "unreadable request"},
                                 {"request_id", std::string_view(request_id)}});
      break;
    }

    const auto started = Clock::now();
    BeastRequest req = parser.release();
    BeastHeaders headers(req);
    Request request(headers);
    describe(request, req);
    request.remote_ip = remote_ip;
    std::string request_id(req["X-Request-Id"]);
    if (!valid_request_id(request_id)) request_id = crypto::buffered_random_token(kRequestIdBytes);
    request.request_id = request_id;

    body_buffer_.clear();
    request.body_buffer = &body_buffer_;
    Response response;
    Router::Match matched;
    try {
      response = co_await router_.dispatch(request, &matched);
    } catch (const std::exception& e) {
      log::error("http.handler_failed", {{"route", matched.route}, {"request_id", std::string_view(request_id)},
                                         {"what", std::string_view(e.what())}});
      response = json_error(500, "internal_error", "Internal server error");
    }
    const unsigned status = response.status;
    const bool keep_alive = req.keep_alive() && !stopping_;
    out_.clear();
    write_response(response, req.version() == 10 ? 10 : 11, keep_alive, request_id, out_);
    // Kept for the next request's body, unless large (a rare listing).
    if (response.body.capacity() <= kKeptBodyBytes) body_buffer_ = std::move(response.body);
    const beast::error_code wec = co_await write_out();

    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
    if (matched.series) matched.series->observe(status, static_cast<std::uint64_t>(micros));
    // The route pattern, never the raw path: a path can carry anything.
    log::info("http.request", {{"method", matched.found ? request.method : std::string_view("other")},
                               {"route", matched.route},
                               {"status", static_cast<std::int64_t>(status)},
                               {"latency_ms", static_cast<double>(micros) / 1000.0},
                               {"ip", std::string_view(remote_ip)},
                               {"request_id", std::string_view(request_id)}});
    if (wec) {
      close_gracefully = false;
      break;
    }
    if (!keep_alive) break;
  }

  if constexpr (kTls) {
    if (close_gracefully) {
      // close_notify, then wait briefly for the client's (or its FIN).
      arm(std::chrono::seconds(2));
      co_await stream_.async_shutdown(tuple_awaitable);
      disarm();
      close_gracefully = false;
    }
  }
  if (close_gracefully) {
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
