#pragma once
// HTTPS served directly (TLS_CERT, TLS_KEY): the server's TLS context, and
// the stream a TLS connection reads and writes.
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <tl/expected.hpp>

namespace latchkey::http {

// A server context from PEM files (certificate chain, private key): TLS 1.2
// at least; TLS 1.2 only with ECDHE key exchange and AEAD ciphers (OpenSSL's
// TLS 1.3 suites as they are); no renegotiation, no compression. The error
// is one line naming the setting and the file.
tl::expected<std::shared_ptr<boost::asio::ssl::context>, std::string> make_tls_context(
    const std::string& cert_path, const std::string& key_path);

// TLS over a plain socket; socket() is the TCP layer, which the connection
// cancels at a deadline and closes at the end.
class TlsStream : public boost::asio::ssl::stream<boost::asio::ip::tcp::socket> {
 public:
  using stream::stream;

  boost::asio::ip::tcp::socket& socket() { return next_layer(); }
};

}  // namespace latchkey::http
