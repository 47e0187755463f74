#pragma once
// One typed Config from three sources, in rising order of precedence: the
// process environment, a `.env` file in the working directory, and
// command-line flags (`--port 5001` or `--port=5001`).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "config/dotenv.hpp"
#include "util/time.hpp"

namespace latchkey::http {
class TrustedProxies;
}

namespace latchkey::config {

// An abuse limit's rate: `count` a `per` seconds; count 0 turns it off.
struct Rate {
  unsigned count = 0;
  UnixSeconds per = 60;
};

struct Config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5000;
  std::string tls_cert;  // PEM paths; both set: HTTPS, both empty: HTTP
  std::string tls_key;
  std::shared_ptr<const http::TrustedProxies> trusted_proxies;  // null: forwarding fields are ignored
  std::string database_url = "sqlite://latchkey.db";
  std::size_t database_pool_size = 8;  // PostgreSQL connections per instance
  std::optional<std::string> secret_key;  // HS256 under this key when set
  std::string jwt_alg = "ES256";          // for generated keys: ES256, EdDSA, RS256 or HS256
  UnixSeconds key_publish_delay = 10 * 60;  // a rotated-in key is published this long before it signs
  UnixSeconds jwks_max_age = 5 * 60;
  UnixSeconds access_token_ttl = 15 * 60;
  UnixSeconds refresh_token_ttl = 30 * 86400;
  UnixSeconds session_idle_ttl = 7 * 86400;
  UnixSeconds refresh_reuse_grace = 10;
  UnixSeconds token_leeway = 30;
  bool refresh_rotation = true;
  std::size_t max_sessions_per_user = 0;
  std::string issuer;  // default http://HOST:PORT
  std::string audience = "latchkey";
  std::optional<std::string> introspection_secret;  // unset: /introspect refuses everyone
  std::optional<std::string> data_encryption_key;   // seals TOTP secrets; unset: TOTP is off
  std::string webauthn_rp_id;       // passkeys' relying party; empty: the issuer's host
  std::string webauthn_origins;     // origins allowed, comma-separated; empty: the issuer's origin
  std::optional<std::string> admin_token;  // unset: every /admin/ path answers 404
  // The OpenID Connect provider: an authorization code's lifetime (at most
  // 60 s), and a directory whose templates and style.css replace the built-in ones.
  UnixSeconds oidc_code_ttl = 60;
  UnixSeconds reauthenticate_after = 300;  // the account page's fresh-credential window
  std::string theme_dir;
  // Email (mail/, email/): SMTP_URL unset turns every mail feature off.
  std::string smtp_url;
  bool smtp_starttls = true;  // off: only for a relay on the loopback interface
  std::string smtp_username;
  std::string smtp_password;
  std::string smtp_ca_file;
  std::string mail_from;
  std::string public_url;  // the base of links in messages; default the issuer
  bool login_with_email = false;
  bool require_verified_email = false;
  // The notices sent (mail/kinds.hpp kNotices); default all.
  std::vector<std::string> mail_notices{"new_device", "password_changed", "factor_added", "factor_removed",
                                        "email_changed"};
  UnixSeconds mail_retry_base = 10;
  std::int64_t mail_max_attempts = 10;
  UnixSeconds mail_poll_ms = 1000;  // milliseconds between the sender's runs
  UnixSeconds audit_retention = 90 * 86400;  // audit events older than this are pruned; 0: kept
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_connections = 4096;
  UnixSeconds header_timeout = 10;   // to receive a whole header block
  UnixSeconds request_timeout = 30;  // to receive a whole request
  UnixSeconds idle_timeout = 60;     // between requests on a kept-alive connection
  // Rates of the abuse limits (abuse/limits.hpp); unset: the built-in default.
  std::optional<Rate> limit_flood;
  std::optional<Rate> limit_signup;
  std::optional<Rate> limit_login_ip;
  std::optional<Rate> limit_refresh_token;
  std::optional<Rate> limit_admin_token;
  std::optional<Rate> limit_introspection_secret;
  std::optional<Rate> limit_client_secret;
  std::optional<Rate> limit_mail_ip;
  std::optional<Rate> limit_mail_address;
  unsigned login_lock_after = 5;         // failures per account and IP before it slows down
  UnixSeconds login_lock_base = 30;      // first lock; doubles with each further failure, up to 15m
  unsigned account_lock_after = 100;     // failures per account, all IPs, within 15 minutes
  std::size_t password_min_length = 8;
  std::size_t token_cache_size = 65536;
  unsigned io_threads = 0;      // 0: one per core
  unsigned worker_threads = 0;  // 0: one per core
  std::size_t worker_queue = 1024;
  std::uint16_t metrics_port = 0;  // 0: /metrics on PORT; else only on this port
  std::string metrics_host;        // default HOST
  std::size_t hash_queue = 0;  // 0: 32 per core
  unsigned database_threads = 64;
  std::string log_format;  // "json", "text" or empty for automatic
  std::string log_level = "info";
};

// Smallest accepted SECRET_KEY, in bytes (RFC 7518 section 3.2: HS256 keys
// of at least the hash size).
inline constexpr std::size_t kMinSecretBytes = 32;

// Environment variables, .env contents and flags (argv without the command).
// The error is one line naming the offending setting.
tl::expected<Config, std::string> load(const Vars& environment, const Vars& dotenv,
                                       const std::vector<std::string>& flags);

// The process environment, as Vars.
Vars process_environment();

// `latchkey --help` text for the settings.
std::string settings_help();

}  // namespace latchkey::config
