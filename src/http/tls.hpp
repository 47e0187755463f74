#pragma once
// HTTPS served directly (TLS_CERT, TLS_KEY): the server's TLS context, and
// the stream a TLS connection reads and writes.
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <tl/expected.hpp>

namespace latchkey::http {

// A server context from PEM files (certificate chain, private key): TLS 1.2
// at least; TLS 1.2 only with ECDHE key exchange and AEAD ciphers (OpenSSL's
// TLS 1.3 suites as they are); no renegotiation, no compression. The error
// is one line naming the setting and the file.
tl::expected<std::shared_ptr<boost::asio::ssl::context>, std::string> make_tls_context(
    const std::string& cert_path, const std::string& key_path);

// TLS over a beast::tcp_stream, with the calls of tcp_stream the connection
// loop makes (timeouts, the socket, cancel) passed down to the TCP layer:
// one loop, compiled for each stream type, serves HTTP and HTTPS.
class TlsStream : public boost::beast::ssl_stream<boost::beast::tcp_stream> {
 public:
  using ssl_stream::ssl_stream;

  boost::beast::tcp_stream& tcp() { return boost::beast::get_lowest_layer(*this); }
  template <class Duration>
  void expires_after(Duration d) { tcp().expires_after(d); }
  boost::asio::ip::tcp::socket& socket() { return tcp().socket(); }
  void cancel() { tcp().cancel(); }
};

}  // namespace latchkey::http
