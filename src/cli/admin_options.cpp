#include "cli/admin_commands.hpp"

namespace latchkey::cli {

auth::AdminOptions admin_options(const config::Config& cfg) {
  auth::AdminOptions o;
  o.password.min_chars = cfg.password_min_length;
  o.idle_ttl = cfg.session_idle_ttl;
  o.access_ttl = cfg.access_token_ttl;
  o.leeway = cfg.token_leeway;
  return o;
}

}  // namespace latchkey::cli
