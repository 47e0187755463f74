// latchkey: authentication and session server.
//   latchkey [serve] [--flags]    serve the API (the default command)
//   latchkey --help | --version
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "api/routes.hpp"
#include "auth/key_bootstrap.hpp"
#include "auth/service.hpp"
#include "config/config.hpp"
#include "crypto/random.hpp"
#include "http/server.hpp"
#include "store/open_store.hpp"
#include "util/log.hpp"
#include "util/worker_pool.hpp"

namespace {

using namespace latchkey;

constexpr const char* kVersion = "0.1.0";

void print_usage() {
  std::printf(
      "latchkey %s: authentication and session server\n\n"
      "Usage:\n"
      "  latchkey [serve] [options]   serve the HTTP API (default)\n"
      "  latchkey --help              this text\n"
      "  latchkey --version           the version\n\n"
      "Settings come from the environment, then a .env file in the working directory,\n"
      "then options, each overriding the one before:\n\n%s",
      kVersion, config::settings_help().c_str());
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

int serve(const config::Config& cfg) {
  auto url = store::parse_database_url(cfg.database_url);
  if (!url) return fail(url.error(), 2);
  std::unique_ptr<store::Store> db;
  try {
    db = store::open_store(*url);
  } catch (const std::exception& e) {
    return fail(e.what(), 1);
  }
  auto keys = auth::load_signing_keys(*db, cfg.secret_key, now_unix());
  if (!keys) return fail(keys.error(), 1);
  auto refresh_secret = auth::load_refresh_secret(*db, now_unix());
  if (!refresh_secret) return fail(refresh_secret.error(), 1);

  auth::Options opts;
  opts.access_ttl = cfg.access_token_ttl;
  opts.refresh_ttl = cfg.refresh_token_ttl;
  opts.idle_ttl = cfg.session_idle_ttl;
  opts.reuse_grace = cfg.refresh_reuse_grace;
  opts.rotate_refresh_tokens = cfg.refresh_rotation;
  opts.max_sessions_per_user = cfg.max_sessions_per_user;
  opts.issuer = cfg.issuer;
  opts.audience = cfg.audience;
  auth::Service service(*db, std::move(*keys), std::move(*refresh_secret), opts, now_unix);
  auto revoked = service.load_revocations();
  if (!revoked) return fail("cannot read revoked sessions from the database", 1);

  WorkerPool pool(threads_or_cores(cfg.worker_threads), cfg.worker_queue);
  http::Router router;
  api::add_routes(router, service, pool, api::ApiOptions{cfg.introspection_secret});

  http::ServerOptions server_opts;
  server_opts.host = cfg.host;
  server_opts.port = cfg.port;
  server_opts.max_body_bytes = cfg.max_body_bytes;
  http::Server server(server_opts, router);
  // Last-use times noted by authenticated requests reach the database in batches.
  server.every(std::chrono::seconds(10), [&]() -> boost::asio::awaitable<void> {
    auto flushed = co_await pool.run([&] { return service.flush_usage(); });
    if (flushed && !*flushed) log::warn("sessions.usage_flush_failed");
  });
  try {
    server.listen();
  } catch (const std::exception& e) {
    return fail(e.what(), 1);
  }
  const std::string address = "http://" + cfg.host + ":" + std::to_string(server.port());
  log::info("server.listening",
            {{"address", std::string_view(address)},
             {"database", url->kind == store::DatabaseUrl::Kind::sqlite ? "sqlite" : "postgres"},
             {"signing", cfg.secret_key ? "SECRET_KEY (HS256)" : "database key (HS256)"},
             {"revoked_sessions", static_cast<std::int64_t>(*revoked)}});
  server.run(threads_or_cores(cfg.io_threads));
  pool.join();
  log::info("server.stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string command = "serve";
  if (!args.empty() && !args.front().starts_with("-")) {
    command = args.front();
    args.erase(args.begin());
  }
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") command = "help";
    if (a == "--version") command = "version";
  }
  if (command == "help") {
    print_usage();
    return 0;
  }
  if (command == "version") {
    std::printf("latchkey %s\n", kVersion);
    return 0;
  }
  if (command != "serve") return fail("unknown command '" + command + "' (see --help)", 2);

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
    return serve(*cfg);
  } catch (const std::exception& e) {
    return fail(std::string("fatal: ") + e.what(), 1);
  }
}
