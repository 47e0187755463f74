#include "app/serve.hpp"

#include <malloc.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include "account/routes.hpp"
#include "api/admin_routes.hpp"
#include "api/ops.hpp"
#include "api/ops_routes.hpp"
#include "api/routes.hpp"
#include "app/jobs.hpp"
#include "app/open_database.hpp"
#include "app/scheduler.hpp"
#include "app/settings.hpp"
#include "auth/admin.hpp"
#include "crypto/base64url.hpp"
#include "crypto/random.hpp"
#include "cli/admin_commands.hpp"
#include "email/flows.hpp"
#include "mail/outbox_sender.hpp"
#include "mail/renderer.hpp"
#include "http/server.hpp"
#include "http/tls.hpp"
#include "metrics/registry.hpp"
#include "mfa/second_factors.hpp"
#include "net/http_client.hpp"
#include "oidc/backchannel_metrics.hpp"
#include "oidc/backchannel_tokens.hpp"
#include "oidc/client_registry.hpp"
#include "oidc/id_token.hpp"
#include "oidc/endpoints/registration.hpp"
#include "oidc/routes.hpp"
#include "web/csrf.hpp"
#include "web/templates.hpp"
#include "util/log.hpp"
#include "util/periodic_thread.hpp"

namespace latchkey::app {

namespace {

// Every connection is a descriptor: use all the process may have.
void raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// argon2id takes 19 MiB per hash. A fixed mmap threshold keeps those blocks
// mmapped, so they go back to the system when freed: otherwise glibc raises
// the threshold after the first free and a login flood leaves the heap large.
// Few arenas: database threads are many but mostly waiting.
void tune_allocator() {
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_ARENA_MAX, 4);
}

// Everything a running server holds, in the order it is built (and the
// reverse of the order it is torn down).
struct Components {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<auth::AuditLog> audit;
  std::unique_ptr<auth::Service> service;
  std::unique_ptr<auth::Admin> admin;
  std::shared_ptr<mfa::SecondFactors> mfa;  // second factors: the API's, the pages', the admin API's
  std::unique_ptr<oidc::ClientRegistry> clients;  // OAuth clients: the admin API's, registration's, the provider's
  std::unique_ptr<WorkerPool> pool;
  // The OpenID Connect provider (oidc/): its browser sessions, consents and
  // pages, shared by its routes.
  std::unique_ptr<oidc::BrowserSessions> browsers;
  std::unique_ptr<oidc::Consents> consents;
  std::unique_ptr<web::Templates> pages;
  std::unique_ptr<web::Csrf> csrf;
  std::unique_ptr<oidc::BackchannelDelivery> logouts;
  std::unique_ptr<PeriodicThread> logout_sender;  // stopped before what it uses
  // Email: the flows (the API's, the pages'), the outbox's sender and its
  // thread (null when SMTP_URL is unset).
  std::shared_ptr<email::Flows> email;
  std::unique_ptr<mail::Renderer> mail_renderer;
  std::unique_ptr<mail::OutboxSender> mail_sender;
  std::unique_ptr<PeriodicThread> mail_thread;  // stopped before what it uses
  metrics::Registry metrics;
  std::unique_ptr<api::Ops> ops;
  std::unique_ptr<http::Router> router;
  std::unique_ptr<http::Router> ops_router;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<http::Server> ops_server;  // METRICS_PORT: /metrics and probes apart
  Scheduler scheduler;
  std::size_t revoked_at_start = 0;

  // The revocation watcher calls into the service: it stops first, whether
  // or not the server got as far as serving.
  ~Components() {
    if (store) store->sessions().stop_watching();
  }
};

// The store, the keys and the auth jobs; the revocations made before start.
tl::expected<void, int> build_auth(const config::Config& cfg, Components& c) {
  auto db = open_database(cfg);
  if (!db) return tl::unexpected(db.error());
  c.store = std::move(*db);
  store::Store& store = *c.store;
  auto keys = auth::load_signing_keys(store, cli::key_policy(cfg), now_unix());
  if (!keys) return tl::unexpected(fail(keys.error(), 1));
  auto refresh_secret = auth::load_refresh_secret(store, now_unix());
  if (!refresh_secret) return tl::unexpected(fail(refresh_secret.error(), 1));
  c.audit = std::make_unique<auth::AuditLog>(store);
  c.service = std::make_unique<auth::Service>(store, std::move(*keys), std::move(*refresh_secret), auth_options(cfg),
                                              now_unix, *c.audit);
  // Sessions ended through the admin API are refused here at once.
  auth::Service& service = *c.service;
  c.admin = std::make_unique<auth::Admin>(store, cli::admin_options(cfg), *c.audit, now_unix,
                                          [&service](const std::vector<std::string>& ids, UnixSeconds at) {
                                            for (const auto& id : ids) service.tokens().note_revoked(id, at);
                                          });
  c.admin->use_limits(&service.limits());  // an unlock also ends what this process remembers
  c.mfa = std::make_shared<mfa::SecondFactors>(service, mfa_options(cfg));
  if (!c.mfa->enrolment().totp_available())
    log::warn("mfa.totp_off", {{"reason", "DATA_ENCRYPTION_KEY is not set: authenticator apps cannot be set up"}});
  if (!c.mfa->passkeys().available())
    log::warn("mfa.passkeys_off", {{"reason", std::string_view(c.mfa->options().passkeys.off_reason)}});
  auto revoked = service.load_revocations();
  if (!revoked) return tl::unexpected(fail("cannot read revoked sessions from the database", 1));
  c.revoked_at_start = *revoked;
  // Logouts made elsewhere (other instances, admin commands) reach memory.
  store.sessions().watch_revocations([&service](const store::RevokedSession& r) { service.note_revoked(r); },
                                     [&service] { (void)service.load_revocations(); });
  return {};
}

// Email: the flows; with SMTP_URL, the outbox's sender on a thread of its
// own, and the notices the database queues (none without it).
tl::expected<void, int> build_mail(const config::Config& cfg, Components& c) {
  c.email = std::make_shared<email::Flows>(*c.service, c.mfa->sign_in_step(), email_options(cfg));
  const bool on = !cfg.smtp_url.empty();
  // A database this instance cannot write (read-only, a replica) keeps the
  // notices it has: serving reads matters more, and it queues no change.
  if (auto set = c.store->mail().set_notices(on ? cfg.mail_notices : std::vector<std::string>{}); !set)
    log::warn("mail.notices_unset", {{"reason", "cannot write MAIL_NOTICES to the database"}});
  if (!on) {
    log::warn("mail.off", {{"reason", "SMTP_URL is not set: no verification, password reset or notice is sent"}});
    return {};
  }
  if (!cfg.data_encryption_key)
    log::info("mail.links_unsealed", {{"reason", "DATA_ENCRYPTION_KEY is not set: a link waits in the outbox in "
                                                 "clear until it is sent"}});
  c.mail_renderer = std::make_unique<mail::Renderer>(*c.pages, mail_sender(cfg));
  c.mail_sender = std::make_unique<mail::OutboxSender>(c.store->mail(), *c.mail_renderer, now_unix,
                                                       mail_sender_options(cfg));
  c.mail_thread = std::make_unique<PeriodicThread>([&s = *c.mail_sender] { (void)s.run_once(); },
                                                   std::chrono::milliseconds(cfg.mail_poll_ms));
  c.metrics.add([&s = *c.mail_sender](metrics::TextWriter& out) { s.write_metrics(out); });
  // A sign-in refused for an address not verified sends a new link.
  c.service->logins().on_unverified_email([&flows = *c.email](const store::User& user, const auth::Client& client) {
    flows.after_unverified_login(user, client);
  });
  return {};
}

// The OpenID Connect provider's parts: the pages (THEME_DIR's first: a
// broken theme stops the start), the CSRF key (one per deployment, kept in
// the database like the refresh secret), clients, browser sessions, consents.
tl::expected<void, int> build_provider(const config::Config& cfg, Components& c) {
  auto pages = web::Templates::load(cfg.theme_dir.empty() ? std::nullopt
                                                          : std::optional<std::filesystem::path>(cfg.theme_dir));
  if (!pages) return tl::unexpected(fail("THEME_DIR: " + pages.error(), 2));
  c.pages = std::make_unique<web::Templates>(std::move(*pages));
  auto key = c.store->keys().ensure_secret("page_csrf", crypto::base64url_encode(crypto::random_bytes(32)), now_unix());
  auto raw = key ? crypto::base64url_decode(*key) : std::nullopt;
  if (!raw || raw->size() < 32) return tl::unexpected(fail("cannot read the pages' CSRF key from the database", 1));
  c.csrf = std::make_unique<web::Csrf>(std::move(*raw));
  c.clients = std::make_unique<oidc::ClientRegistry>(
      c.store->clients(), now_unix, [&service = *c.service] { return oidc::id_token_algs(*service.tokens().keys()); });
  c.browsers = std::make_unique<oidc::BrowserSessions>(*c.service);
  c.consents = std::make_unique<oidc::Consents>(*c.service, *c.clients);
  net::global_init();
  c.logouts = std::make_unique<oidc::BackchannelDelivery>(
      c.store->logouts(), oidc::logout_token_maker(*c.service, *c.clients, cfg.issuer), now_unix);
  c.logouts->on_gave_up(oidc::audit_gave_up(*c.audit));
  c.logout_sender = std::make_unique<PeriodicThread>([&d = *c.logouts] { (void)d.run_once(); }, std::chrono::seconds(1));
  c.metrics.add([&delivery = *c.logouts](metrics::TextWriter& out) { oidc::write_backchannel_metrics(delivery, out); });
  return build_mail(cfg, c);
}

// The lanes, the routes, the listeners and the periodic jobs.
void build_http(const config::Config& cfg, std::shared_ptr<boost::asio::ssl::context> tls, Components& c) {
  http::ServerOptions options = server_options(cfg);
  options.tls = std::move(tls);
  const Lanes lanes = worker_lanes(cfg);
  // SQLite: database calls run in batches on one thread; PostgreSQL: on DATABASE_THREADS threads.
  c.pool = std::make_unique<WorkerPool>(lanes.hashing, lanes.database, c.store->database().batching());
  c.ops = std::make_unique<api::Ops>(*c.service, *c.store, *c.pool, c.metrics);
  c.router = std::make_unique<http::Router>(&c.metrics.http());
  api::ApiOptions api = api_options(cfg);
  api.mfa = c.mfa;
  api.email = c.email;
  api::add_routes(*c.router, *c.service, *c.pool, std::move(api));
  auto provider = std::make_shared<const oidc::Provider>(oidc::Provider{
      *c.service, *c.pool, *c.clients, *c.browsers, *c.consents, *c.pages, *c.csrf, provider_options(cfg),
      oidc::Endpoints(cfg.issuer), *c.mfa, *c.email});
  oidc::add_oidc_routes(*c.router, provider);
  account::add_account_routes(*c.router, provider);
  api::AdminApiOptions admin = admin_api_options(cfg);
  admin.limits = &c.service->limits();
  admin.reload_keys = [&c, policy = cli::key_policy(cfg)] {
    if (auto loaded = auth::load_signing_keys(*c.store, policy, now_unix())) c.service->tokens().set_keys(std::move(*loaded));
  };
  admin.clients = c.clients.get();
  admin.consents = c.consents.get();
  api::add_admin_routes(*c.router, *c.admin, *c.pool, std::move(admin));
  oidc::RegistrationOptions registration = registration_options(cfg);
  registration.limits = &c.service->limits();  // the admin token's failures, counted as the admin API counts them
  oidc::add_registration_routes(*c.router, std::move(registration), *c.clients, *c.pool, *c.audit);
  api::add_ops_routes(*c.router, *c.ops, {.metrics = cfg.metrics_port == 0, .healthz = false});
  c.server = std::make_unique<http::Server>(std::move(options), *c.router);
  if (cfg.metrics_port != 0) {
    c.ops_router = std::make_unique<http::Router>(&c.metrics.http());
    api::add_ops_routes(*c.ops_router, *c.ops, {.metrics = true, .healthz = true});
    c.ops_server = std::make_unique<http::Server>(metrics_server_options(cfg), *c.ops_router);
  }
  add_jobs(c.scheduler, JobTargets{cfg, *c.store, *c.service, *c.audit, *c.ops, *c.pool, cli::key_policy(cfg)});
}

void log_listening(const config::Config& cfg, const Components& c) {
  const std::string address = (cfg.tls_cert.empty() ? "http://" : "https://") + cfg.host + ":" +
                              std::to_string(c.server->port());
  const auto keys = c.service->tokens().keys();  // held: a reload may swap the set meanwhile
  const auto& signer = keys->current();
  log::info("server.listening", {{"address", std::string_view(address)},
                                 {"database", cfg.database_url.starts_with("sqlite") ? "sqlite" : "postgres"},
                                 {"alg", token::alg_name(signer.alg)},
                                 {"kid", std::string_view(signer.kid)},
                                 {"revoked_sessions", static_cast<std::int64_t>(c.revoked_at_start)}});
}

// Serves until a stop signal, then drains: requests in flight, the last
// run of each periodic job, the queued work and audit events.
void run(const config::Config& cfg, Components& c) {
  c.scheduler.start();
  c.logout_sender->start();
  if (c.mail_thread) c.mail_thread->start();
  log_listening(cfg, c);
  // From here on, info lines (the access log above all) are written in
  // batches: one write(2) per line would cost more than a /protected request.
  log::start_buffering(std::chrono::milliseconds(50));
  std::thread ops_thread;
  if (c.ops_server) {
    const std::string address = "http://" + cfg.metrics_host + ":" + std::to_string(c.ops_server->port());
    log::info("server.metrics_listening", {{"address", std::string_view(address)}});
    ops_thread = std::thread([&c] { c.ops_server->run(1); });  // stops on the same signal
  }
  c.server->run(io_threads(cfg));
  if (ops_thread.joinable()) ops_thread.join();
  // Stopping: a late signal must not turn a clean exit into a killed one.
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
  c.scheduler.stop();
  c.logout_sender->stop();
  if (c.mail_sender) c.mail_sender->cancel();  // a slow relay must not hold the stop
  if (c.mail_thread) c.mail_thread->stop();
  c.store->sessions().stop_watching();
  c.pool->join();
  c.audit->flush();  // what the last requests recorded
  log::stop_buffering();
  log::info("server.stopped");
}

}  // namespace

int serve(const config::Config& cfg) {
  raise_descriptor_limit();
  tune_allocator();
  // A full disk (or a file size limit) must fail writes, not kill the process.
  std::signal(SIGXFSZ, SIG_IGN);
  // HTTPS: bad certificate files stop the start before anything else happens.
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (!cfg.tls_cert.empty()) {
    auto made = http::make_tls_context(cfg.tls_cert, cfg.tls_key);
    if (!made) return fail(made.error(), 2);
    tls = std::move(*made);
  }
  Components c;
  if (auto built = build_auth(cfg, c); !built) return built.error();
  if (auto built = build_provider(cfg, c); !built) return built.error();
  build_http(cfg, std::move(tls), c);
  try {
    c.server->listen();
    if (c.ops_server) c.ops_server->listen();
  } catch (const std::exception& e) {
    return fail(e.what(), 1);
  }
  run(cfg, c);
  return 0;
}

}  // namespace latchkey::app
