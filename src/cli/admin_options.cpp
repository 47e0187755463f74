#include "cli/admin_commands.hpp"

#include "token/jwt.hpp"

namespace latchkey::cli {

auth::AdminOptions admin_options(const config::Config& cfg) {
  auth::AdminOptions o;
  o.password.min_chars = cfg.password_min_length;
  o.idle_ttl = cfg.session_idle_ttl;
  o.access_ttl = cfg.access_token_ttl;
  o.leeway = cfg.token_leeway;
  return o;
}

auth::KeyPolicy key_policy(const config::Config& cfg) {
  auth::KeyPolicy p;
  p.secret = cfg.secret_key;
  p.alg = token::alg_from_name(cfg.jwt_alg).value_or(token::Alg::ES256);
  p.access_ttl = cfg.access_token_ttl;
  p.leeway = cfg.token_leeway;
  return p;
}

}  // namespace latchkey::cli
