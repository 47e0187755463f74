#include "config/config.hpp"

#include "crypto/aead.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <span>

#include "config/duration.hpp"
#include "crypto/aead.hpp"
#include "http/client_address.hpp"
#include "mail/kinds.hpp"
#include "mail/message.hpp"
#include "net/smtp_client.hpp"

extern char** environ;

namespace latchkey::config {

namespace {

using Setter = std::function<std::optional<std::string>(Config&, std::string_view)>;

struct Setting {
  std::string_view env;
  std::string_view flag;
  std::string_view help;
  Setter set;  // returns an error text, or nullopt when the value was taken
};

template <class T>
std::optional<T> parse_uint(std::string_view s, T min, T max) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < min || v > max) return std::nullopt;
  return static_cast<T>(v);
}

std::optional<std::string> duration_into(UnixSeconds& out, std::string_view v) {
  auto d = parse_duration(v);
  if (!d) return "must be a duration such as 900, 900s, 15m, 12h or 30d";
  out = *d;
  return std::nullopt;
}

// A duration from 0 to 5 minutes.
std::optional<std::string> short_duration_into(UnixSeconds& out, std::string_view v) {
  if (v == "0" || v == "0s") {
    out = 0;
    return std::nullopt;
  }
  UnixSeconds d = 0;
  if (auto err = duration_into(d, v)) return err;
  if (d > 300) return "must be at most 5m";
  out = d;
  return std::nullopt;
}

template <class T>
Setter uint_setter(T Config::*field, T min, T max) {
  return [=](Config& c, std::string_view v) -> std::optional<std::string> {
    auto n = parse_uint<T>(v, min, max);
    if (!n) return "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    c.*field = *n;
    return std::nullopt;
  };
}

// on / off (true / false, 1 / 0).
Setter bool_setter(bool Config::*field) {
  return [=](Config& c, std::string_view v) -> std::optional<std::string> {
    if (v == "on" || v == "true" || v == "1") c.*field = true;
    else if (v == "off" || v == "false" || v == "0") c.*field = false;
    else return std::string("must be on or off");
    return std::nullopt;
  };
}

// "N/DURATION" (600/1m), or 0 / off.
Setter rate_setter(std::optional<Rate> Config::*field) {
  return [=](Config& c, std::string_view v) -> std::optional<std::string> {
    if (v == "0" || v == "off") {
      c.*field = Rate{0, 60};
      return std::nullopt;
    }
    const auto slash = v.find('/');
    auto n = parse_uint<unsigned>(v.substr(0, slash), 1, 100000000);
    auto per = slash == std::string_view::npos ? std::nullopt : parse_duration(v.substr(slash + 1));
    if (!n || !per || *per < 1) return "must be N/DURATION such as 600/1m or 50/10m, or 0 (off)";
    c.*field = Rate{*n, *per};
    return std::nullopt;
  };
}

// A deprecated per-minute count: N/1m of `field`.
Setter per_minute_setter(std::optional<Rate> Config::*field) {
  return [=](Config& c, std::string_view v) -> std::optional<std::string> {
    auto n = parse_uint<unsigned>(v, 0, 1000000);
    if (!n) return "must be a whole number from 0 to 1000000";
    c.*field = Rate{*n, 60};
    return std::nullopt;
  };
}

Setter string_setter(std::string Config::*field) {
  return [=](Config& c, std::string_view v) -> std::optional<std::string> {
    if (v.empty()) return "must not be empty";
    c.*field = std::string(v);
    return std::nullopt;
  };
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> all = {
      {"HOST", "host", "address to listen on (default 127.0.0.1)", string_setter(&Config::host)},
      {"PORT", "port", "TCP port to listen on (default 5000)",
       uint_setter<std::uint16_t>(&Config::port, 1, 65535)},
      {"TLS_CERT", "tls-cert",
       "PEM certificate chain: serve HTTPS (TLS 1.2+) instead of HTTP; needs TLS_KEY (default: unset)",
       string_setter(&Config::tls_cert)},
      {"TLS_KEY", "tls-key", "PEM private key of TLS_CERT, not passphrase-protected (default: unset)",
       string_setter(&Config::tls_key)},
      {"TRUSTED_PROXIES", "trusted-proxies",
       "reverse proxies whose X-Forwarded-For / Forwarded name the client: addresses and CIDR "
       "ranges, e.g. 127.0.0.1,10.0.0.0/8 (default: unset, those fields are ignored)",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         auto parsed = http::TrustedProxies::parse(v);
         if (!parsed) return parsed.error();
         c.trusted_proxies =
             parsed->empty() ? nullptr : std::make_shared<const http::TrustedProxies>(std::move(*parsed));
         return std::nullopt;
       }},
      {"DATABASE_URL", "database-url",
       "sqlite://PATH (default sqlite://latchkey.db; sqlite:///abs/path for an absolute path), "
       "postgres://user:pass@host:5432/db or a libpq key=value string",
       string_setter(&Config::database_url)},
      {"DATABASE_POOL_SIZE", "database-pool-size",
       "PostgreSQL connections per instance (default 8)",
       uint_setter<std::size_t>(&Config::database_pool_size, 1, 1000)},
      {"SECRET_KEY", "secret-key",
       "HS256 signing key, at least 32 bytes; unset: a key is generated once and kept in the "
       "database",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         if (v.empty()) {
           c.secret_key.reset();
           return std::nullopt;
         }
         if (v.size() < kMinSecretBytes) {
           return "is " + std::to_string(v.size()) + " bytes; it must be at least " +
                  std::to_string(kMinSecretBytes) + " (try: openssl rand -base64 48)";
         }
         c.secret_key = std::string(v);
         return std::nullopt;
       }},
      {"JWT_ALG", "jwt-alg",
       "signing algorithm of generated keys: ES256 (default), EdDSA, RS256 or HS256; SECRET_KEY "
       "implies HS256",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         if (v != "ES256" && v != "EdDSA" && v != "RS256" && v != "HS256")
           return "must be ES256, EdDSA, RS256 or HS256";
         c.jwt_alg = std::string(v);
         return std::nullopt;
       }},
      {"KEY_PUBLISH_DELAY", "key-publish-delay",
       "after `latchkey keys rotate`, the new key is published this long before it signs "
       "(default 10m; at least JWKS_MAX_AGE)",
       [](Config& c, std::string_view v) { return duration_into(c.key_publish_delay, v); }},
      {"JWKS_MAX_AGE", "jwks-max-age", "Cache-Control max-age of the JWKS (default 5m)",
       [](Config& c, std::string_view v) { return duration_into(c.jwks_max_age, v); }},
      {"ACCESS_TOKEN_TTL", "access-token-ttl", "access token lifetime (default 15m)",
       [](Config& c, std::string_view v) { return duration_into(c.access_token_ttl, v); }},
      {"REFRESH_TOKEN_TTL", "refresh-token-ttl", "refresh token and session lifetime (default 30d)",
       [](Config& c, std::string_view v) { return duration_into(c.refresh_token_ttl, v); }},
      {"SESSION_IDLE_TTL", "session-idle-ttl", "a session unused this long ends (default 7d)",
       [](Config& c, std::string_view v) { return duration_into(c.session_idle_ttl, v); }},
      {"REFRESH_ROTATION", "refresh-rotation",
       "on: every refresh returns a new refresh token and spends the old one (default); off: one "
       "refresh token for the session's life (weaker)",
       bool_setter(&Config::refresh_rotation)},
      {"REFRESH_REUSE_GRACE", "refresh-reuse-grace",
       "a spent refresh token presented again this soon gets the same new pair instead of ending "
       "the session (default 10s; 0 disables)",
       [](Config& c, std::string_view v) { return short_duration_into(c.refresh_reuse_grace, v); }},
      {"TOKEN_LEEWAY", "token-leeway", "clock skew allowed when checking token times (default 30s)",
       [](Config& c, std::string_view v) { return short_duration_into(c.token_leeway, v); }},
      {"MAX_SESSIONS_PER_USER", "max-sessions-per-user",
       "when a login would exceed it, the least recently used session ends (default 0: no cap)",
       uint_setter<std::size_t>(&Config::max_sessions_per_user, 0, 100000)},
      {"ISSUER", "issuer", "the `iss` of tokens (default http://HOST:PORT)",
       string_setter(&Config::issuer)},
      {"AUDIENCE", "audience", "the `aud` of access tokens (default latchkey)",
       string_setter(&Config::audience)},
      {"INTROSPECTION_SECRET", "introspection-secret",
       "credential services present to POST /introspect (HTTP Basic password or Bearer), at least "
       "16 bytes; unset: introspection is refused",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         if (v.empty()) {
           c.introspection_secret.reset();
           return std::nullopt;
         }
         if (v.size() < 16) return "must be at least 16 bytes";
         c.introspection_secret = std::string(v);
         return std::nullopt;
       }},
      {"DATA_ENCRYPTION_KEY", "data-encryption-key",
       "32 bytes as 64 hex digits or 43 base64url characters (try: openssl rand -hex 32); seals "
       "TOTP secrets and the links waiting in the mail outbox at rest (AES-256-GCM); unset: authenticator "
       "apps cannot be set up, and links wait in clear until sent",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         if (v.empty()) {
           c.data_encryption_key.reset();
           return std::nullopt;
         }
         if (!crypto::SealingKey::parse(v)) return "must be 32 bytes: 64 hex digits or 43 base64url characters";
         c.data_encryption_key = std::string(v);
         return std::nullopt;
       }},
      {"WEBAUTHN_RP_ID", "webauthn-rp-id",
       "passkeys' relying party ID, a domain (default: the issuer's host; an IP address turns passkeys off)",
       string_setter(&Config::webauthn_rp_id)},
      {"WEBAUTHN_ORIGINS", "webauthn-origins",
       "origins passkey ceremonies may come from, comma-separated (default: the issuer's origin)",
       string_setter(&Config::webauthn_origins)},
      {"ADMIN_TOKEN", "admin-token",
       "bearer token of the /admin/ HTTP API, at least 32 bytes (try: openssl rand -base64 48); "
       "unset: the admin API is off and its paths answer 404",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         if (v.empty()) {
           c.admin_token.reset();
           return std::nullopt;
         }
         if (v.size() < kMinSecretBytes) {
           return "is " + std::to_string(v.size()) + " bytes; it must be at least " +
                  std::to_string(kMinSecretBytes) + " (try: openssl rand -base64 48)";
         }
         c.admin_token = std::string(v);
         return std::nullopt;
       }},
      {"OIDC_CODE_TTL", "oidc-code-ttl", "lifetime of an authorization code, at most 60s (default 60s)",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         if (auto bad = duration_into(c.oidc_code_ttl, v)) return bad;
         if (c.oidc_code_ttl < 1 || c.oidc_code_ttl > 60) return std::string("must be between 1s and 60s");
         return std::nullopt;
       }},
      {"REAUTHENTICATE_AFTER", "reauthenticate-after",
       "the account page asks for the password again before a security change when the last one "
       "was entered longer ago than this (default 5m; ASVS 7.5.1)",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         if (v == "0" || v == "0s") {
           c.reauthenticate_after = 0;
           return std::nullopt;
         }
         if (auto bad = duration_into(c.reauthenticate_after, v)) return bad;
         if (c.reauthenticate_after < 0 || c.reauthenticate_after > 3600) return std::string("must be between 0s and 1h");
         return std::nullopt;
       }},
      {"THEME_DIR", "theme-dir",
       "directory of templates (login.html, consent.html, ...) and style.css replacing the built-in "
       "pages' (default: none; see README)",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         c.theme_dir = std::string(v);
         return std::nullopt;
       }},
      {"SMTP_URL", "smtp-url",
       "SMTP relay for mail: smtp://host:587 (STARTTLS required) or smtps://host:465 (implicit TLS); "
       "unset: no mail (verification, password reset and notices are off)",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         if (!v.empty() && !v.starts_with("smtp://") && !v.starts_with("smtps://"))
           return std::string("must start with smtp:// or smtps://");
         c.smtp_url = std::string(v);
         return std::nullopt;
       }},
      {"SMTP_STARTTLS", "smtp-starttls",
       "on (default): smtp:// must upgrade to TLS; off: plain SMTP, allowed only to a loopback relay",
       bool_setter(&Config::smtp_starttls)},
      {"SMTP_USERNAME", "smtp-username", "SMTP AUTH user name (default: no AUTH)",
       string_setter(&Config::smtp_username)},
      {"SMTP_PASSWORD", "smtp-password", "SMTP AUTH password", string_setter(&Config::smtp_password)},
      {"SMTP_CA_FILE", "smtp-ca-file", "PEM file of CAs trusted for the relay instead of the system's",
       string_setter(&Config::smtp_ca_file)},
      {"MAIL_FROM", "mail-from", "sender of every message: \"Name <no-reply@example.com>\" or an address; "
       "required with SMTP_URL",
       string_setter(&Config::mail_from)},
      {"PUBLIC_URL", "public-url",
       "base URL of links in messages, as people reach the server (default: the issuer); never taken "
       "from a request's Host header",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         if (!v.empty() && !v.starts_with("http://") && !v.starts_with("https://"))
           return std::string("must start with http:// or https://");
         c.public_url = std::string(v);
         while (c.public_url.size() > 1 && c.public_url.back() == '/') c.public_url.pop_back();
         return std::nullopt;
       }},
      {"LOGIN_WITH_EMAIL", "login-with-email",
       "on: a verified email address signs in as its account's username does (default off)",
       bool_setter(&Config::login_with_email)},
      {"REQUIRE_VERIFIED_EMAIL", "require-verified-email",
       "on: no sign-in until the account's email address is verified; a new link is sent at each "
       "refused sign-in (default off)",
       bool_setter(&Config::require_verified_email)},
      {"MAIL_NOTICES", "mail-notices",
       "security notices mailed to a verified address, comma-separated: new_device, password_changed, "
       "factor_added, factor_removed, email_changed; all (default) or none",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         c.mail_notices.clear();
         if (v == "none" || v.empty()) return std::nullopt;
         if (v == "all") {
           for (std::string_view k : mail::kNotices) c.mail_notices.emplace_back(k);
           return std::nullopt;
         }
         for (std::size_t start = 0; start <= v.size();) {
           const std::size_t end = std::min(v.find(',', start), v.size());
           std::string_view k = v.substr(start, end - start);
           while (!k.empty() && k.front() == ' ') k.remove_prefix(1);
           while (!k.empty() && k.back() == ' ') k.remove_suffix(1);
           if (!mail::is_notice(k)) return "has an unknown notice '" + std::string(k) + "'";
           c.mail_notices.emplace_back(k);
           start = end + 1;
         }
         return std::nullopt;
       }},
      {"MAIL_RETRY_BASE", "mail-retry-base",
       "wait before a failed message is tried again, doubling after each failure up to 1h (default 10s)",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         if (auto bad = duration_into(c.mail_retry_base, v)) return bad;
         if (c.mail_retry_base < 1 || c.mail_retry_base > 3600) return std::string("must be between 1s and 1h");
         return std::nullopt;
       }},
      {"MAIL_MAX_ATTEMPTS", "mail-max-attempts",
       "attempts to send a message before it is given up (default 10: the last about 85 minutes after the first, "
       "with the default backoff)",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         std::int64_t n = 0;
         const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
         if (ec != std::errc{} || end != v.data() + v.size() || n < 1 || n > 100)
           return std::string("must be a whole number from 1 to 100");
         c.mail_max_attempts = n;
         return std::nullopt;
       }},
      {"MAIL_POLL", "mail-poll", "how often the mail sender looks for messages to send (default 1s; 100ms to 1m)",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         std::string_view digits = v;
         std::int64_t scale = 1000;
         if (digits.ends_with("ms")) {
           digits.remove_suffix(2);
           scale = 1;
         } else if (digits.ends_with("s")) {
           digits.remove_suffix(1);
         }
         std::int64_t n = 0;
         const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
         if (ec != std::errc{} || end != digits.data() + digits.size() || n * scale < 100 || n * scale > 60000)
           return std::string("must be between 100ms and 60s (e.g. 500ms, 2s)");
         c.mail_poll_ms = n * scale;
         return std::nullopt;
       }},
      {"AUDIT_RETENTION", "audit-retention",
       "audit trail events older than this are deleted, hourly (default 90d; 0 keeps them)",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         if (v == "0" || v == "0s") {
           c.audit_retention = 0;
           return std::nullopt;
         }
         return duration_into(c.audit_retention, v);
       }},
      {"MAX_BODY_BYTES", "max-body-bytes", "largest request body accepted (default 65536)",
       uint_setter<std::size_t>(&Config::max_body_bytes, 1024, 16 * 1024 * 1024)},
      {"MAX_CONNECTIONS", "max-connections",
       "open connections at most; past it new ones get 503 and are closed (default 4096)",
       uint_setter<std::size_t>(&Config::max_connections, 1, 1000000)},
      {"HEADER_TIMEOUT", "header-timeout", "time to send a whole header block (default 10s)",
       [](Config& c, std::string_view v) { return duration_into(c.header_timeout, v); }},
      {"REQUEST_TIMEOUT", "request-timeout", "time to send a whole request (default 30s)",
       [](Config& c, std::string_view v) { return duration_into(c.request_timeout, v); }},
      {"IDLE_TIMEOUT", "idle-timeout", "a kept-alive connection idle this long is closed (default 60s)",
       [](Config& c, std::string_view v) { return duration_into(c.idle_timeout, v); }},
      // Before the settings that replace them, which win when both are set.
      {"LOGIN_RATE_PER_MINUTE", "login-rate-per-minute",
       "deprecated: LIMIT_LOGIN_IP=N/1m (it counts failed logins only)",
       per_minute_setter(&Config::limit_login_ip)},
      {"SIGNUP_RATE_PER_MINUTE", "signup-rate-per-minute", "deprecated: LIMIT_SIGNUP=N/1m",
       per_minute_setter(&Config::limit_signup)},
      {"LIMIT_FLOOD", "limit-flood",
       "requests per client IP to the unauthenticated write endpoints (/signup, /login), as N/DURATION "
       "(default 600/1m; 0: off)",
       rate_setter(&Config::limit_flood)},
      {"LIMIT_LOGIN_IP", "limit-login-ip",
       "failed logins per client IP across all accounts before it is refused until the window ends "
       "(default 50/10m; 0: off); successes never count",
       rate_setter(&Config::limit_login_ip)},
      {"LIMIT_SIGNUP", "limit-signup", "sign-ups per client IP (default 10/1m; 0: off)",
       rate_setter(&Config::limit_signup)},
      {"LIMIT_REFRESH_TOKEN", "limit-refresh-token",
       "unknown refresh tokens presented per client IP (default 30/1m; 0: off)",
       rate_setter(&Config::limit_refresh_token)},
      {"LIMIT_ADMIN_TOKEN", "limit-admin-token",
       "failed admin API authentications per client IP (default 10/1m; 0: off)",
       rate_setter(&Config::limit_admin_token)},
      {"LIMIT_INTROSPECTION_SECRET", "limit-introspection-secret",
       "failed introspection credentials per client IP (default 30/1m; 0: off)",
       rate_setter(&Config::limit_introspection_secret)},
      {"LIMIT_CLIENT_SECRET", "limit-client-secret",
       "failed OAuth client authentications at /token per client IP (default 30/1m; 0: off)",
       rate_setter(&Config::limit_client_secret)},
      {"LIMIT_MAIL_IP", "limit-mail-ip",
       "requests that send a message (password reset, verification) per client IP (default 20/10m; 0: off)",
       rate_setter(&Config::limit_mail_ip)},
      {"LIMIT_MAIL_ADDRESS", "limit-mail-address",
       "requests that send a message per email address, from anywhere (default 5/1h; 0: off)",
       rate_setter(&Config::limit_mail_address)},
      {"LOGIN_LOCK_AFTER", "login-lock-after",
       "failed logins of one account from one IP before each further failure locks that pair, "
       "30s doubling up to 15m (default 5)",
       uint_setter<unsigned>(&Config::login_lock_after, 1, 1000)},
      {"LOGIN_LOCK_SECONDS", "login-lock-seconds",
       "the first lock after LOGIN_LOCK_AFTER failures; doubles with each further failure, up to "
       "15m (default 30s)",
       [](Config& c, std::string_view v) { return duration_into(c.login_lock_base, v); }},
      {"ACCOUNT_LOCK_AFTER", "account-lock-after",
       "failed logins of one account from all IPs within 15m that lock it for 15m (default 100; 0: off)",
       uint_setter<unsigned>(&Config::account_lock_after, 0, 1000000)},
      {"PASSWORD_MIN_LENGTH", "password-min-length", "shortest password, in characters (8 to 64; default 8)",
       uint_setter<std::size_t>(&Config::password_min_length, 8, 64)},
      {"TOKEN_CACHE_SIZE", "token-cache-size",
       "verified access tokens remembered, so a repeated token skips signature checks "
       "(default 65536; 0: off)",
       uint_setter<std::size_t>(&Config::token_cache_size, 0, 10000000)},
      {"IO_THREADS", "io-threads", "threads serving connections (default: one per core)",
       uint_setter<unsigned>(&Config::io_threads, 0, 256)},
      {"WORKER_THREADS", "worker-threads",
       "threads for password hashing (argon2id; default: one per core)",
       uint_setter<unsigned>(&Config::worker_threads, 0, 256)},
      {"HASH_QUEUE", "hash-queue",
       "logins, signups and password changes in progress or waiting for a hashing thread "
       "before new ones get 503 (default 32 per core)",
       uint_setter<std::size_t>(&Config::hash_queue, 0, 100000)},
      {"DATABASE_THREADS", "database-threads",
       "PostgreSQL: threads for database calls (default 64); SQLite runs them in batches on one thread",
       uint_setter<unsigned>(&Config::database_threads, 1, 1024)},
      {"WORKER_QUEUE", "worker-queue",
       "database calls that may wait for a thread before new ones get 503 (default 1024)",
       uint_setter<std::size_t>(&Config::worker_queue, 1, 1000000)},
      {"METRICS_PORT", "metrics-port",
       "serve /metrics (with /healthz and /readyz) on this port only, not on PORT (default: unset, "
       "/metrics on PORT)",
       uint_setter<std::uint16_t>(&Config::metrics_port, 1, 65535)},
      {"METRICS_HOST", "metrics-host", "address of the METRICS_PORT listener (default: HOST)",
       string_setter(&Config::metrics_host)},
      {"LOG_FORMAT", "log-format", "json or text (default: json unless stderr is a terminal)",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         if (v != "json" && v != "text") return "must be json or text";
         c.log_format = std::string(v);
         return std::nullopt;
       }},
      {"LOG_LEVEL", "log-level", "debug, info, warn or error (default info)",
       [](Config& c, std::string_view v) -> std::optional<std::string> {
         if (v != "debug" && v != "info" && v != "warn" && v != "error")
           return "must be debug, info, warn or error";
         c.log_level = std::string(v);
         return std::nullopt;
       }},
  };
  return all;
}

std::optional<std::string> apply(Config& c, const Setting& s, std::string_view value,
                                 std::string_view source) {
  if (auto err = s.set(c, value)) {
    return std::string(s.env) + " (from " + std::string(source) + ") " + *err;
  }
  return std::nullopt;
}

// Whether a setting was given at all, by any source.
bool vars_set(const Vars& env, const Vars& dotenv, const std::vector<std::string>& flags,
              std::string_view var, std::string_view flag) {
  if (env.count(var) || dotenv.count(var)) return true;
  const std::string f = "--" + std::string(flag);
  return std::any_of(flags.begin(), flags.end(),
                     [&](const std::string& a) { return a == f || a.starts_with(f + "="); });
}

}  // namespace

Vars process_environment() {
  Vars vars;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos) vars.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return vars;
}

tl::expected<Config, std::string> load(const Vars& environment, const Vars& dotenv,
                                       const std::vector<std::string>& flags) {
  Config c;
  for (const auto& [source, vars] : {std::pair{"environment", &environment},
                                     std::pair{".env", &dotenv}}) {
    for (const Setting& s : settings()) {
      if (auto it = vars->find(s.env); it != vars->end()) {
        if (auto err = apply(c, s, it->second, source)) return tl::unexpected(*err);
      }
    }
  }
  for (std::size_t i = 0; i < flags.size(); ++i) {
    std::string_view arg = flags[i];
    if (!arg.starts_with("--")) return tl::unexpected("unexpected argument '" + flags[i] + "'");
    arg.remove_prefix(2);
    std::string_view name = arg;
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    }
    const Setting* match = nullptr;
    for (const Setting& s : settings()) {
      if (s.flag == name) match = &s;
    }
    if (!match) return tl::unexpected("unknown option --" + std::string(name) + " (see --help)");
    if (!value) {
      if (i + 1 >= flags.size()) return tl::unexpected("option --" + std::string(name) + " needs a value");
      value = flags[++i];
    }
    if (auto err = apply(c, *match, *value, "--" + std::string(name))) return tl::unexpected(*err);
  }
  if (c.tls_cert.empty() != c.tls_key.empty())
    return tl::unexpected(std::string(c.tls_cert.empty() ? "TLS_KEY is set without TLS_CERT" : "TLS_CERT is set without TLS_KEY") +
                          ": set both (HTTPS) or neither (HTTP)");
  if (c.issuer.empty())
    c.issuer = (c.tls_cert.empty() ? "http://" : "https://") + c.host + ":" + std::to_string(c.port);
  if (c.metrics_host.empty()) c.metrics_host = c.host;
  if (c.metrics_port != 0 && c.metrics_port == c.port && c.metrics_host == c.host)
    return tl::unexpected(std::string("METRICS_PORT must differ from PORT (unset it to serve /metrics on PORT)"));
  while (c.issuer.size() > 1 && c.issuer.back() == '/') c.issuer.pop_back();
  if (c.public_url.empty()) c.public_url = c.issuer;
  if (!c.smtp_url.empty()) {
    if (c.mail_from.empty()) return tl::unexpected(std::string("MAIL_FROM is required with SMTP_URL"));
    if (!c.smtp_starttls && c.smtp_url.starts_with("smtp://") && !net::loopback_url(c.smtp_url))
      return tl::unexpected(std::string("SMTP_STARTTLS=off is only allowed for a relay on the loopback interface"));
  }
  if (!c.mail_from.empty()) {
    if (auto from = mail::parse_mailbox(c.mail_from); !from) return tl::unexpected(from.error());
  }
  if (c.secret_key && c.jwt_alg != "HS256" && vars_set(environment, dotenv, flags, "JWT_ALG", "jwt-alg"))
    return tl::unexpected("JWT_ALG " + c.jwt_alg + " conflicts with SECRET_KEY, which signs HS256");
  if (c.key_publish_delay < c.jwks_max_age)
    return tl::unexpected(std::string("KEY_PUBLISH_DELAY must be at least JWKS_MAX_AGE, or verifiers "
                                      "holding a cached JWKS would meet keys they do not know"));
  return c;
}

std::string settings_help() {
  std::string out;
  for (const Setting& s : settings()) {
    // Appended piece by piece: GCC 12 warns (a false -Warray-bounds) on the
    // chain of operator+ here.
    std::string left = "  --";
    left.append(s.flag).append(" / ").append(s.env);
    if (left.size() < 40) left.resize(40, ' ');
    else left.append("\n").append(40, ' ');
    out += left;
    out += s.help;
    out += '\n';
  }
  return out;
}

}  // namespace latchkey::config
