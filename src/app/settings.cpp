#include "app/settings.hpp"

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
  o.throttle.free_failures = static_cast<int>(cfg.login_lock_after);
  o.throttle.base_lock = cfg.login_lock_base;
  o.throttle.account_failures = static_cast<int>(cfg.account_lock_after);
  return o;
}

api::ApiOptions api_options(const config::Config& cfg) {
  api::ApiOptions o;
  o.introspection_secret = cfg.introspection_secret;
  o.jwks_max_age = static_cast<long>(cfg.jwks_max_age);
  o.login_per_minute = cfg.login_rate_per_minute;
  o.signup_per_minute = cfg.signup_rate_per_minute;
  return o;
}

api::AdminApiOptions admin_api_options(const config::Config& cfg) {
  api::AdminApiOptions o;
  o.token = cfg.admin_token;
  o.key_policy = cli::key_policy(cfg);
  o.key_publish_delay = cfg.key_publish_delay;
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

}  // namespace latchkey::app
