// latchkey: authentication and session server.
//   latchkey [serve] [--flags]     serve the API (the default command)
//   latchkey migrate               create or upgrade the schema, then exit
//   latchkey keys list | rotate [--now]
//   latchkey user ... | sessions ... | audit ...   administration (src/cli)
//   latchkey --help | --version
#include <algorithm>
#include <chrono>
#include <csignal>

#include <malloc.h>
#include <sys/resource.h>
#include <cstdio>
#include <exception>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "api/admin_routes.hpp"
#include "api/ops.hpp"
#include "api/ops_routes.hpp"
#include "api/routes.hpp"
#include "auth/admin.hpp"
#include "auth/audit_log.hpp"
#include "auth/key_bootstrap.hpp"
#include "auth/service.hpp"
#include "cli/admin_commands.hpp"
#include "config/config.hpp"
#include "crypto/random.hpp"
#include "http/server.hpp"
#include "http/tls.hpp"
#include "metrics/registry.hpp"
#include "store/open_store.hpp"
#include "util/log.hpp"
#include "util/version.hpp"
#include "util/worker_pool.hpp"

namespace {

using namespace latchkey;

void print_usage() {
  std::printf(
      "%s: authentication and session server\n\n"
      "Usage:\n"
      "  latchkey [serve] [options]        serve the HTTP API (default)\n"
      "  latchkey migrate [options]        create or upgrade the database schema, then exit\n"
      "  latchkey keys list [options]      the signing keys and their state\n"
      "  latchkey keys rotate [--now]      add a signing key; it signs after KEY_PUBLISH_DELAY\n"
      "                                    (--now: at once, for a compromised key)\n"
      "  latchkey user add NAME [--password-stdin]   create a user (password read from stdin)\n"
      "  latchkey user list | show NAME | disable NAME | enable NAME | delete NAME\n"
      "  latchkey user set-password NAME [--password-stdin]   ends the user's sessions\n"
      "  latchkey sessions list --user NAME\n"
      "  latchkey sessions revoke --user NAME (--session ID | --all)\n"
      "  latchkey audit [--user NAME] [--limit N]   the audit trail, newest last\n"
      "                                    (user, sessions and audit take --json)\n"
      "  latchkey copy-store --from URL --to URL\n"
      "                                    copy users, sessions and keys into an empty database\n"
      "                                    (e.g. sqlite://latchkey.db to postgres://...)\n"
      "  latchkey --help | --version\n\n"
      "Settings come from the environment, then a .env file in the working directory,\n"
      "then options, each overriding the one before:\n\n%s",
      version_line().c_str(), config::settings_help().c_str());
}

int fail(const std::string& why, int code) {
  std::fprintf(stderr, "latchkey: %s\n", why.c_str());
  return code;
}

unsigned threads_or_cores(unsigned configured) {
  if (configured > 0) return configured;
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? n : 2;
}

auth::KeyPolicy key_policy(const config::Config& cfg) {
  auth::KeyPolicy p;
  p.secret = cfg.secret_key;
  p.alg = token::alg_from_name(cfg.jwt_alg).value_or(token::Alg::ES256);
  p.access_ttl = cfg.access_token_ttl;
  p.leeway = cfg.token_leeway;
  return p;
}

// Opens (and migrates) the configured database, or explains why not.
tl::expected<std::unique_ptr<store::Store>, int> open_database(const config::Config& cfg) {
  auto url = store::parse_database_url(cfg.database_url);
  if (!url) return tl::unexpected(fail(url.error(), 2));
  try {
    return store::open_store(*url, cfg.database_pool_size);
  } catch (const std::exception& e) {
    return tl::unexpected(fail(e.what(), 1));
  }
}

// Moves a deployment from one database to another, e.g. SQLite to PostgreSQL.
int copy_store(const config::Config& cfg, const std::string& from, const std::string& to) {
  config::Config src = cfg;
  src.database_url = from;
  config::Config dst = cfg;
  dst.database_url = to;
  auto source = open_database(src);
  if (!source) return source.error();
  auto target = open_database(dst);
  if (!target) return target.error();
  auto snap = (*source)->database().export_all();
  if (!snap) return fail("cannot read " + from + ": " + std::string(store::describe(snap.error())), 1);
  if (auto r = (*target)->database().import_all(*snap); !r) {
    if (r.error() == store::StoreError::conflict)
      return fail("copy-store: the target already holds users or sessions; copy into an empty database", 1);
    return fail("cannot write " + to + ": " + std::string(store::describe(r.error())), 1);
  }
  std::printf("copied %zu users, %zu sessions, %zu keys, %zu secrets\n", snap->users.size(),
              snap->sessions.size(), snap->keys.size(), snap->secrets.size());
  return 0;
}

int keys_command(const config::Config& cfg, const std::vector<std::string>& words, bool now_flag) {
  auto db = open_database(cfg);
  if (!db) return db.error();
  const auth::KeyPolicy policy = key_policy(cfg);
  const UnixSeconds now = now_unix();
  if (words.size() == 2 && words[1] == "rotate") {
    if (cfg.secret_key) return fail("keys rotate: SECRET_KEY is set; rotate it by changing SECRET_KEY", 2);
    auto row = auth::rotate_signing_key(**db, policy.alg, now, now_flag ? 0 : cfg.key_publish_delay);
    if (!row) return fail(row.error(), 1);
    auth::AuditLog audit(**db);
    auth::Admin(**db, cli::admin_options(cfg), audit, now_unix).key_rotated(*row, auth::Actor{"cli"});
    std::printf("new key %s (%s) signs from %s; running servers pick it up within 30 s\n",
                row->kid.c_str(), row->alg.c_str(), format_rfc3339(row->not_before).c_str());
    return 0;
  }
  if (words.size() == 2 && words[1] == "list") {
    if (cfg.secret_key) {
      std::printf("SECRET_KEY is set: HS256, kid %s (not stored, never published)\n",
                  token::kid_for_secret(*cfg.secret_key).c_str());
      return 0;
    }
    auto rows = (*db)->keys().list();
    if (!rows) return fail("cannot read signing keys", 1);
    std::printf("%-14s %-6s %-10s %-21s %-21s\n", "KID", "ALG", "STATE", "SIGNS FROM", "RETIRED AT");
    for (const auto& k : *rows) {
      std::printf("%-14s %-6s %-10s %-21s %-21s\n", k.kid.c_str(), k.alg.c_str(),
                  std::string(auth::key_state_name(auth::key_state(k, *rows, policy, now))).c_str(),
                  format_rfc3339(k.not_before).c_str(),
                  k.retired_at ? format_rfc3339(*k.retired_at).c_str() : "-");
    }
    return 0;
  }
  return fail("usage: latchkey keys list | latchkey keys rotate [--now]", 2);
}

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

int serve(const config::Config& cfg) {
  raise_descriptor_limit();
  tune_allocator();
  // HTTPS: bad certificate files stop the start before anything else happens.
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (!cfg.tls_cert.empty()) {
    auto made = http::make_tls_context(cfg.tls_cert, cfg.tls_key);
    if (!made) return fail(made.error(), 2);
    tls = std::move(*made);
  }
  // A full disk (or a file size limit) must fail writes, not kill the process.
  std::signal(SIGXFSZ, SIG_IGN);
  auto db = open_database(cfg);
  if (!db) return db.error();
  store::Store& store = **db;
  const auth::KeyPolicy policy = key_policy(cfg);
  auto keys = auth::load_signing_keys(store, policy, now_unix());
  if (!keys) return fail(keys.error(), 1);
  auto refresh_secret = auth::load_refresh_secret(store, now_unix());
  if (!refresh_secret) return fail(refresh_secret.error(), 1);

  auth::Options opts;
  opts.access_ttl = cfg.access_token_ttl;
  opts.refresh_ttl = cfg.refresh_token_ttl;
  opts.idle_ttl = cfg.session_idle_ttl;
  opts.reuse_grace = cfg.refresh_reuse_grace;
  opts.leeway = cfg.token_leeway;
  opts.rotate_refresh_tokens = cfg.refresh_rotation;
  opts.max_sessions_per_user = cfg.max_sessions_per_user;
  opts.issuer = cfg.issuer;
  opts.audience = cfg.audience;
  opts.min_password_chars = cfg.password_min_length;
  opts.token_cache_size = cfg.token_cache_size;
  opts.throttle.free_failures = static_cast<int>(cfg.login_lock_after);
  opts.throttle.base_lock = cfg.login_lock_base;
  opts.throttle.account_failures = static_cast<int>(cfg.account_lock_after);
  auth::Service service(store, std::move(*keys), std::move(*refresh_secret), opts, now_unix);
  auth::AuditLog audit(store);
  service.set_audit(&audit);
  // Sessions ended through the admin API are refused here at once.
  auth::Admin admin(store, cli::admin_options(cfg), audit, now_unix,
                    [&](const std::vector<std::string>& ids, UnixSeconds at) {
                      for (const auto& id : ids) service.note_revoked({id, at});
                    });
  auto revoked = service.load_revocations();
  if (!revoked) return fail("cannot read revoked sessions from the database", 1);
  // Logouts made elsewhere (other instances, admin commands) reach memory.
  store.sessions().watch_revocations([&](const store::RevokedSession& r) { service.note_revoked(r); },
                                     [&] { (void)service.load_revocations(); });

  // One hashing thread per core: argon2id is bound by memory bandwidth, and
  // more concurrent hashes than cores thrash the caches (measured: 138
  // logins/s with 2 threads on 2 cores, 123 with 3, 128 with 4).
  const unsigned cores = threads_or_cores(0);
  const unsigned hashers = cfg.worker_threads > 0 ? cfg.worker_threads : cores;
  // SQLite: database calls run in batches on one thread (store.database().batching());
  // PostgreSQL: on DATABASE_THREADS threads.
  WorkerPool pool(WorkerPool::Lane{hashers, cfg.hash_queue > 0 ? cfg.hash_queue : 32 * cores},
                  WorkerPool::Lane{cfg.database_threads, cfg.worker_queue}, store.database().batching());
  metrics::Registry metrics;
  http::Router router(&metrics.http());
  api::ApiOptions api_opts;
  api_opts.introspection_secret = cfg.introspection_secret;
  api_opts.jwks_max_age = static_cast<long>(cfg.jwks_max_age);
  api_opts.login_per_minute = cfg.login_rate_per_minute;
  api_opts.signup_per_minute = cfg.signup_rate_per_minute;
  api::add_routes(router, service, pool, api_opts);
  api::AdminApiOptions admin_opts;
  admin_opts.token = cfg.admin_token;
  admin_opts.store = &store;
  admin_opts.key_policy = policy;
  admin_opts.key_publish_delay = cfg.key_publish_delay;
  admin_opts.reload_keys = [&] {
    if (auto loaded = auth::load_signing_keys(store, policy, now_unix())) service.set_keys(std::move(*loaded));
  };
  api::add_admin_routes(router, admin, pool, admin_opts);
  api::Ops ops(service, store, pool, metrics);
  api::add_ops_routes(router, ops, {.metrics = cfg.metrics_port == 0, .healthz = false});

  http::ServerOptions server_opts;
  server_opts.host = cfg.host;
  server_opts.port = cfg.port;
  server_opts.max_body_bytes = cfg.max_body_bytes;
  server_opts.max_connections = cfg.max_connections;
  server_opts.header_timeout = std::chrono::seconds(cfg.header_timeout);
  server_opts.read_timeout = std::chrono::seconds(cfg.request_timeout);
  server_opts.idle_timeout = std::chrono::seconds(cfg.idle_timeout);
  server_opts.tls = std::move(tls);
  http::Server server(server_opts, router);
  server.every(api::Ops::kCheckInterval, [&] { return ops.check(); });
  // METRICS_PORT: /metrics and the probes on a listener of their own (one
  // thread), so that the metrics need not be public.
  http::Router ops_router(&metrics.http());
  std::unique_ptr<http::Server> ops_server;
  if (cfg.metrics_port != 0) {
    api::add_ops_routes(ops_router, ops, {.metrics = true, .healthz = true});
    http::ServerOptions ops_opts;
    ops_opts.host = cfg.metrics_host;
    ops_opts.port = cfg.metrics_port;
    ops_opts.max_connections = 64;
    ops_server = std::make_unique<http::Server>(ops_opts, ops_router);
  }
  // Last-use times noted by authenticated requests reach the database every
  // 10 s, a few hundred sessions per database call, so that requests go on in
  // between however many sessions were used.
  server.every(std::chrono::seconds(10), [&]() -> boost::asio::awaitable<void> {
    constexpr std::size_t kUsageChunk = 256;
    const std::vector<store::Usage> used = service.take_usage();
    for (std::size_t at = 0; at < used.size(); at += kUsageChunk) {
      const std::span<const store::Usage> chunk(used.data() + at, std::min(kUsageChunk, used.size() - at));
      auto written = co_await pool.run([&] { return service.write_usage(chunk); });
      if (!written || !*written) {
        log::warn("sessions.usage_flush_failed");
        break;
      }
    }
  });
  // Audit events queued by requests reach the database in batches.
  server.every(std::chrono::milliseconds(250), [&]() -> boost::asio::awaitable<void> {
    co_await pool.run([&] { return audit.flush(); });
  });
  // Retention: old audit events, and kept revocations of deleted users once
  // every access token they could cover has expired.
  // A few thousand events per database call, so that requests go on in between.
  server.every(std::chrono::hours(1), [&]() -> boost::asio::awaitable<void> {
    constexpr std::size_t kPruneChunk = 2000;
    const UnixSeconds now = now_unix();
    const UnixSeconds audit_before = cfg.audit_retention > 0 ? now - cfg.audit_retention : 0;
    const UnixSeconds revocations_before = now - cfg.access_token_ttl - cfg.token_leeway - 3600;
    std::int64_t removed = 0;
    for (;;) {
      auto pruned = co_await pool.run([&] { return store.audit().prune(audit_before, revocations_before, kPruneChunk); });
      if (!pruned || !*pruned) {
        log::warn("audit.prune_failed");
        break;
      }
      removed += static_cast<std::int64_t>(**pruned);
      if (**pruned < kPruneChunk) break;
    }
    if (removed > 0) log::info("audit.pruned", {{"events", removed}});
  });
  // Keys rotated by `latchkey keys rotate` (or by another instance), and
  // scheduled keys coming into force.
  if (!cfg.secret_key) {
    server.every(std::chrono::seconds(30), [&]() -> boost::asio::awaitable<void> {
      auto loaded = co_await pool.run([&] { return auth::load_signing_keys(store, policy, now_unix()); });
      if (loaded && *loaded) service.set_keys(std::move(**loaded));
      else log::warn("keys.reload_failed");
    });
  }
  try {
    server.listen();
    if (ops_server) ops_server->listen();
  } catch (const std::exception& e) {
    return fail(e.what(), 1);
  }
  const std::string address =
      (server_opts.tls ? "https://" : "http://") + cfg.host + ":" + std::to_string(server.port());
  const auto& signer = service.keys()->current();
  log::info("server.listening",
            {{"address", std::string_view(address)},
             {"database", cfg.database_url.starts_with("sqlite") ? "sqlite" : "postgres"},
             {"alg", token::alg_name(signer.alg)},
             {"kid", std::string_view(signer.kid)},
             {"revoked_sessions", static_cast<std::int64_t>(*revoked)}});
  // From here on, info lines (the access log above all) are written in
  // batches: one write(2) per line would cost more than a /protected request.
  log::start_buffering(std::chrono::milliseconds(50));
  std::thread ops_thread;
  if (ops_server) {
    const std::string metrics_address = "http://" + cfg.metrics_host + ":" + std::to_string(ops_server->port());
    log::info("server.metrics_listening", {{"address", std::string_view(metrics_address)}});
    ops_thread = std::thread([&] { ops_server->run(1); });  // stops on the same signal
  }
  server.run(threads_or_cores(cfg.io_threads));
  if (ops_thread.joinable()) ops_thread.join();
  // Stopping: a late signal must not turn a clean exit into a killed one.
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
  store.sessions().stop_watching();
  pool.join();
  audit.flush();  // what the last requests recorded
  log::stop_buffering();
  log::info("server.stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // Leading words name the command; options follow.
  std::vector<std::string> words;
  while (!args.empty() && !args.front().starts_with("-")) {
    words.push_back(args.front());
    args.erase(args.begin());
  }
  bool now_flag = false;
  std::erase_if(args, [&](const std::string& a) {
    if (a != "--now") return false;
    now_flag = true;
    return true;
  });
  // copy-store's own options.
  std::string copy_from, copy_to;
  for (std::size_t i = 0; i < args.size();) {
    const bool is_from = args[i] == "--from", is_to = args[i] == "--to";
    if ((is_from || is_to) && i + 1 < args.size()) {
      (is_from ? copy_from : copy_to) = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
    } else {
      ++i;
    }
  }
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") words = {"help"};
    if (a == "--version") words = {"version"};
  }
  const std::string command = words.empty() ? "serve" : words.front();
  if (command == "help") {
    print_usage();
    return 0;
  }
  if (command == "version") {
    std::printf("%s\n", version_line().c_str());
    return 0;
  }
  const bool admin_command = command == "user" || command == "sessions" || command == "audit";
  if (command != "serve" && command != "migrate" && command != "keys" && command != "copy-store" && !admin_command)
    return fail("unknown command '" + command + "' (see --help)", 2);
  cli::CliOptions cli_options;
  if (admin_command) {
    auto taken = cli::take_cli_options(args);
    if (!taken) return fail(taken.error(), 2);
    cli_options = std::move(*taken);
  }
  if (now_flag && command != "keys") return fail("--now only goes with `keys rotate`", 2);

  try {
    crypto::init();
    auto dotenv = config::read_dotenv(".env");
    if (!dotenv) return fail(dotenv.error(), 2);
    auto cfg = config::load(config::process_environment(), *dotenv, args);
    if (!cfg) return fail(cfg.error(), 2);
    if (cfg->log_format == "json") log::set_format(log::Format::json);
    if (cfg->log_format == "text") log::set_format(log::Format::text);
    if (cfg->log_level == "debug") log::set_level(log::Level::debug);
    if (cfg->log_level == "warn") log::set_level(log::Level::warn);
    if (cfg->log_level == "error") log::set_level(log::Level::error);
    if (command == "keys") return keys_command(*cfg, words, now_flag);
    if (admin_command) {
      auto db = open_database(*cfg);
      if (!db) return db.error();
      if (command == "user") return cli::user_command(*cfg, **db, words, cli_options);
      if (command == "sessions") return cli::sessions_command(*cfg, **db, words, cli_options);
      return cli::audit_command(*cfg, **db, words, cli_options);
    }
    if (command == "copy-store") {
      if (copy_from.empty() || copy_to.empty()) return fail("usage: latchkey copy-store --from URL --to URL", 2);
      return copy_store(*cfg, copy_from, copy_to);
    }
    if (command == "migrate") {
      auto db = open_database(*cfg);
      if (!db) return db.error();
      std::printf("database schema is up to date\n");
      return 0;
    }
    if (words.size() > 1) return fail("unexpected argument '" + words[1] + "'", 2);
    return serve(*cfg);
  } catch (const std::exception& e) {
    return fail(std::string("fatal: ") + e.what(), 1);
  }
}
