#pragma once
// The option structs of each part, as the configuration sets them: the one
// place that knows which setting goes where.
#include "api/admin_routes.hpp"
#include "api/api_context.hpp"
#include "auth/key_bootstrap.hpp"
#include "auth/options.hpp"
#include "config/config.hpp"
#include "email/options.hpp"
#include "mail/outbox_sender.hpp"
#include "mail/renderer.hpp"
#include "oidc/provider.hpp"
#include "http/server.hpp"
#include "oidc/endpoints/registration.hpp"
#include "util/worker_pool.hpp"

namespace latchkey::app {

auth::Options auth_options(const config::Config& cfg);
mfa::Options mfa_options(const config::Config& cfg);
email::Options email_options(const config::Config& cfg);
// SMTP_URL's settings and the sender's retries.
mail::SenderOptions mail_sender_options(const config::Config& cfg);
// MAIL_FROM (checked when the configuration was loaded) and PUBLIC_URL.
mail::Sender mail_sender(const config::Config& cfg);
// The abuse limits' policies: the defaults, with what is configured.
abuse::Policies limits(const config::Config& cfg);
api::ApiOptions api_options(const config::Config& cfg);
// Everything but reload_keys, which needs the running service.
api::AdminApiOptions admin_api_options(const config::Config& cfg);
// Everything but limits, which is the running service's.
oidc::RegistrationOptions registration_options(const config::Config& cfg);
http::ServerOptions server_options(const config::Config& cfg);
oidc::ProviderOptions provider_options(const config::Config& cfg);
http::ServerOptions metrics_server_options(const config::Config& cfg);

// The worker pool's lanes: one hashing thread per core (argon2id is bound by
// memory bandwidth, and more concurrent hashes than cores thrash the caches:
// measured 138 logins/s with 2 threads on 2 cores, 123 with 3, 128 with 4),
// and DATABASE_THREADS for a store without batching (PostgreSQL).
struct Lanes {
  WorkerPool::Lane hashing;
  WorkerPool::Lane database;
};
Lanes worker_lanes(const config::Config& cfg);

// IO_THREADS, or one per core.
unsigned io_threads(const config::Config& cfg);

}  // namespace latchkey::app
