#include "http/tls.hpp"

#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace latchkey::http {

namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2: forward secrecy and authenticated encryption only (Mozilla's
// "intermediate" list). TLS 1.3 suites all qualify; OpenSSL's defaults stay.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Why a file cannot be read, or empty when it can.
std::string unreadable(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::strerror(errno);
  char c;
  if (!f.get(c)) return "the file is empty";
  return {};
}

}  // namespace

tl::expected<std::shared_ptr<ssl::context>, std::string> make_tls_context(const std::string& cert_path,
                                                                          const std::string& key_path) {
  if (auto why = unreadable(cert_path); !why.empty())
    return tl::unexpected("TLS_CERT " + cert_path + ": cannot read it (" + why + ")");
  if (auto why = unreadable(key_path); !why.empty())
    return tl::unexpected("TLS_KEY " + key_path + ": cannot read it (" + why + ")");

  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1)
    return tl::unexpected(std::string("TLS: OpenSSL refuses the TLS 1.2 cipher list"));
  // An encrypted key must fail, not wait for a passphrase on the terminal.
  ctx->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); });

  // The key first: OpenSSL would refuse a mismatched key after the
  // certificate with a less helpful reason than the check below.
  boost::system::error_code ec;
  ctx->use_private_key_file(key_path, ssl::context::pem, ec);
  if (ec)
    return tl::unexpected("TLS_KEY " + key_path + ": not a PEM private key (or one protected by a passphrase)");
  ctx->use_certificate_chain_file(cert_path, ec);
  if (ec) return tl::unexpected("TLS_CERT " + cert_path + ": not a PEM certificate (chain)");
  if (SSL_CTX_check_private_key(native) != 1)
    return tl::unexpected("TLS_KEY " + key_path + " does not match the certificate in TLS_CERT " + cert_path);
  return ctx;
}

}  // namespace latchkey::http
