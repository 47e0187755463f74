#include "app/settings.hpp"

#include <algorithm>

#include <thread>

#include "cli/admin_commands.hpp"
#include "token/jwt.hpp"

namespace latchkey::app {

namespace {

unsigned cores() {
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? n : 2;
}

}  // namespace

namespace {

bool is_ip_literal(std::string_view host) {
  if (host.empty()) return false;
  if (host.starts_with('[') || host.find(':') != std::string_view::npos) return true;  // IPv6
  return std::ranges::all_of(host, [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// Passkeys' relying party: WEBAUTHN_RP_ID or the issuer's host, which must be
// a domain (WebAuthn: an IP address is no valid RP ID; browsers treat
// http://localhost as a secure context, so development works there).
mfa::PasskeyOptions passkey_options(const config::Config& cfg, std::string_view issuer_host,
                                    std::string_view issuer_origin) {
  mfa::PasskeyOptions o;
  const std::string id = cfg.webauthn_rp_id.empty() ? std::string(issuer_host) : cfg.webauthn_rp_id;
  if (id.empty() || is_ip_literal(id)) {
    o.off_reason = "the relying party ID would be '" + id +
                   "', an IP address: set WEBAUTHN_RP_ID to a domain (or use http://localhost as the issuer)";
    return o;
  }
  webauthn::RelyingParty rp;
  rp.id = id;
  std::string_view list = cfg.webauthn_origins;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view one = list.substr(0, comma);
    while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
    while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
    if (!one.empty()) rp.origins.emplace_back(one);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  if (rp.origins.empty()) rp.origins.emplace_back(issuer_origin);
  o.rp = std::move(rp);
  o.rp_name = id;
  return o;
}

}  // namespace

// The otpauth issuer is the issuer's host name without its port (what an
// authenticator app shows beside the account name), or "latchkey" when that
// is empty or an IPv6 literal: the Key URI format's label is ISSUER:ACCOUNT,
// so the issuer may hold no colon (pyotp refuses such a URI).
email::Options email_options(const config::Config& cfg) {
  email::Options o;
  o.mail_on = !cfg.smtp_url.empty();
  o.public_url = cfg.public_url;
  o.login_with_email = cfg.login_with_email;
  o.require_verified_email = cfg.require_verified_email;
  if (cfg.data_encryption_key) o.sealing_key = crypto::SealingKey::parse(*cfg.data_encryption_key);
  return o;
}

mail::SenderOptions mail_sender_options(const config::Config& cfg) {
  mail::SenderOptions o;
  o.max_attempts = cfg.mail_max_attempts;
  o.backoff_base = cfg.mail_retry_base;
  o.smtp.url = cfg.smtp_url;
  o.smtp.starttls = cfg.smtp_starttls;
  o.smtp.username = cfg.smtp_username;
  o.smtp.password = cfg.smtp_password;
  o.smtp.ca_file = cfg.smtp_ca_file;
  return o;
}

mail::Sender mail_sender(const config::Config& cfg) {
  mail::Sender s;
  if (auto from = mail::parse_mailbox(cfg.mail_from)) s.from = std::move(*from);
  s.public_url = cfg.public_url;
  // The host of PUBLIC_URL: how the messages name the service.
  std::string_view host = s.public_url;
  if (const auto scheme = host.find("://"); scheme != std::string_view::npos) host.remove_prefix(scheme + 3);
  s.site = std::string(host.substr(0, host.find('/')));
  if (cfg.data_encryption_key) s.sealing_key = crypto::SealingKey::parse(*cfg.data_encryption_key);
  return s;
}

mfa::Options mfa_options(const config::Config& cfg) {
  mfa::Options o;
  if (cfg.data_encryption_key) o.sealing_key = crypto::SealingKey::parse(*cfg.data_encryption_key);
  // http://auth.example.com:8443/base: origin http://auth.example.com:8443, host auth.example.com.
  const std::string_view issuer = cfg.issuer;
  const auto scheme_end = issuer.find("://");
  std::string_view authority = scheme_end == std::string_view::npos ? issuer : issuer.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find('/'));
  const std::string origin =
      scheme_end == std::string_view::npos ? std::string() : std::string(issuer.substr(0, scheme_end + 3)) + std::string(authority);
  std::string_view host = authority;
  if (host.starts_with('[')) host = host.substr(0, host.find(']') + 1);  // an IPv6 literal keeps its colons
  else host = host.substr(0, host.find(':'));
  if (!host.empty() && !is_ip_literal(host)) o.issuer_name = std::string(host);
  o.passkeys = passkey_options(cfg, host, origin);
  return o;
}

auth::Options auth_options(const config::Config& cfg) {
  auth::Options o;
  o.access_ttl = cfg.access_token_ttl;
  o.refresh_ttl = cfg.refresh_token_ttl;
  o.idle_ttl = cfg.session_idle_ttl;
  o.reuse_grace = cfg.refresh_reuse_grace;
  o.leeway = cfg.token_leeway;
  o.rotate_refresh_tokens = cfg.refresh_rotation;
  o.max_sessions_per_user = cfg.max_sessions_per_user;
  o.issuer = cfg.issuer;
  o.audience = cfg.audience;
  o.min_password_chars = cfg.password_min_length;
  o.token_cache_size = cfg.token_cache_size;
  o.limits = limits(cfg);
  o.login_with_email = cfg.login_with_email;
  o.require_verified_email = cfg.require_verified_email;
  // Other instances count in a shared database: checks must read it.
  o.limits_shared = !cfg.database_url.starts_with("sqlite");
  return o;
}

abuse::Policies limits(const config::Config& cfg) {
  using abuse::Limit;
  using abuse::index_of;
  abuse::Policies p = abuse::default_policies();
  // A rate that is set replaces the default's count and window.
  auto rate = [&](Limit l, const std::optional<config::Rate>& r) {
    if (!r) return;
    if (r->count == 0) p[index_of(l)].reset();
    else p[index_of(l)] = store::LimitPolicy{r->count, r->per, 0, 0, false};
  };
  rate(Limit::flood, cfg.limit_flood);
  rate(Limit::signup, cfg.limit_signup);
  rate(Limit::login_ip, cfg.limit_login_ip);
  rate(Limit::refresh_token, cfg.limit_refresh_token);
  rate(Limit::admin_token, cfg.limit_admin_token);
  rate(Limit::introspection_secret, cfg.limit_introspection_secret);
  rate(Limit::client_secret, cfg.limit_client_secret);
  rate(Limit::mail_ip, cfg.limit_mail_ip);
  rate(Limit::mail_address, cfg.limit_mail_address);
  // The login locks keep their own settings.
  auto& pair = p[index_of(Limit::login_pair)];
  pair->free = cfg.login_lock_after;
  pair->lock_base = cfg.login_lock_base;
  auto& account = p[index_of(Limit::login_account)];
  if (cfg.account_lock_after == 0) account.reset();
  else account->free = cfg.account_lock_after - 1;  // the N-th failure locks
  return p;
}

api::ApiOptions api_options(const config::Config& cfg) {
  api::ApiOptions o;
  o.introspection_secret = cfg.introspection_secret;
  o.jwks_max_age = static_cast<long>(cfg.jwks_max_age);
  return o;
}

api::AdminApiOptions admin_api_options(const config::Config& cfg) {
  api::AdminApiOptions o;
  o.token = cfg.admin_token;
  o.key_policy = cli::key_policy(cfg);
  o.key_publish_delay = cfg.key_publish_delay;
  return o;
}

oidc::RegistrationOptions registration_options(const config::Config& cfg) {
  oidc::RegistrationOptions o;
  o.issuer = cfg.issuer;
  // The initial access token is the administrators': registration is
  // theirs, and off without it.
  o.initial_access_token = cfg.admin_token;
  return o;
}

http::ServerOptions server_options(const config::Config& cfg) {
  http::ServerOptions o;
  o.host = cfg.host;
  o.port = cfg.port;
  o.max_body_bytes = cfg.max_body_bytes;
  o.max_connections = cfg.max_connections;
  o.header_timeout = std::chrono::seconds(cfg.header_timeout);
  o.read_timeout = std::chrono::seconds(cfg.request_timeout);
  o.idle_timeout = std::chrono::seconds(cfg.idle_timeout);
  // A header block too large because of one huge Authorization field is
  // answered as a bad token (401), not as too large (431).
  o.max_authorization_bytes = token::kMaxTokenLength;
  o.trusted_proxies = cfg.trusted_proxies;
  return o;
}

http::ServerOptions metrics_server_options(const config::Config& cfg) {
  http::ServerOptions o;
  o.host = cfg.metrics_host;
  o.port = cfg.metrics_port;
  o.max_connections = 64;
  o.trusted_proxies = cfg.trusted_proxies;  // its access log names clients as the main one does
  return o;
}

Lanes worker_lanes(const config::Config& cfg) {
  const unsigned hashers = cfg.worker_threads > 0 ? cfg.worker_threads : cores();
  return Lanes{WorkerPool::Lane{hashers, cfg.hash_queue > 0 ? cfg.hash_queue : 32 * cores()},
               WorkerPool::Lane{cfg.database_threads, cfg.worker_queue}};
}

unsigned io_threads(const config::Config& cfg) { return cfg.io_threads > 0 ? cfg.io_threads : cores(); }

oidc::ProviderOptions provider_options(const config::Config& cfg) {
  oidc::ProviderOptions o;
  o.issuer = cfg.issuer;
  // Cookies follow what the browser sees: the issuer's scheme (HTTPS may
  // end at a proxy in front).
  o.https = cfg.issuer.starts_with("https://");
  o.code_ttl = cfg.oidc_code_ttl;
  o.id_token_ttl = cfg.access_token_ttl;
  o.reauthenticate_after = cfg.reauthenticate_after;
  o.registration_open = cfg.admin_token.has_value();  // as registration_options
  return o;
}

}  // namespace latchkey::app
