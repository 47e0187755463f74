// libFuzzer target: whole HTTP requests through the router and every API
// handler, as a connection would hand them over (src/http/connection.cpp),
// against a real auth::Service on an in-memory SQLite store.
//
// Input: one or more pipelined HTTP/1.1 requests (at most kMaxRequests),
// parsed with Beast's request_parser under the server's header and body
// limits, into the connection's own types (http/beast_message.hpp): fields in
// a per-request arena, http::describe for the Request, http::write_response
// for the answer's bytes, which are then read back. A request that cannot be
// read ends the input, as it ends a connection; so does one that does not
// keep the connection alive.
//
// Each input gets a fresh world (store, service, router) holding one user
// ("fuzzuser" / kPassword) already logged in once, so runs are reproducible.
// After parsing, these placeholders in the target, header values and body
// are replaced, so the fuzzer can present live tokens:
//   @A@   the latest access token issued (login, refresh)
//   @R@   the latest refresh token issued
//   @R0@  the first refresh token (spent once refreshed: reuse detection)
//   @S@   the first session's id
// The clock starts at a fixed time and moves 1 s per request, plus the
// seconds an `X-Fuzz-Sleep: N` header asks for (at most 100 days), so token
// expiry, the refresh grace window and idle sessions are reachable.
//
// LATCHKEY_FUZZ_VERBOSE=1 prints each request's method, path and answer
// (for checking seeds and reading findings).
//
// Findings, besides crashes, leaks and undefined behaviour: an exception out
// of a handler (the connection would answer 500), any 5xx answer other than
// 503 (a full worker queue, which serial requests never cause), an answer
// body that is not JSON, a 401 without WWW-Authenticate, a 405 without Allow,
// an answer whose bytes do not read back as sent.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "api/routes.hpp"
#include "auth/key_bootstrap.hpp"
#include "auth/service.hpp"
#include "crypto/random.hpp"
#include "http/beast_message.hpp"
#include "http/response_writer.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "util/log.hpp"
#include "util/worker_pool.hpp"

namespace {

using namespace latchkey;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

constexpr UnixSeconds kStart = 1'800'000'000;
constexpr std::size_t kMaxRequests = 8;
constexpr UnixSeconds kMaxSleep = 100 * 86400;

constexpr std::string_view kUser = "fuzzuser";
constexpr std::string_view kPassword = "fuzz-pass-Zq7-kW2x";
constexpr std::string_view kSecretKey = "fuzz-secret-key-0123456789-abcdefghijklmnopqrstuv";
constexpr std::string_view kIntrospectionSecret = "fuzz-introspection-secret";

using http::BeastRequest;

[[noreturn]] void finding(const char* what, const http::Request* req, const http::Response* res) {
  std::fprintf(stderr, "request_fuzz: FINDING: %s\n", what);
  if (req)
    std::fprintf(stderr, "  request: %.*s %.*s\n", static_cast<int>(req->method.size()),
                 req->method.data(), static_cast<int>(req->path.size()), req->path.data());
  if (res) std::fprintf(stderr, "  answer: %u %s\n", res->status, res->body.c_str());
  std::abort();
}

bool verbose = false;

WorkerPool& pool() {
  static WorkerPool* p = new WorkerPool(1, 64);  // lives as long as the process
  return *p;
}

// Everything one input runs against.
struct World {
  World() : store(":memory:") {
    auth::KeyPolicy kp;
    kp.secret = std::string(kSecretKey);  // HS256, as with SECRET_KEY
    auto keys = auth::load_signing_keys(store, kp, kStart);
    auto secret = auth::load_refresh_secret(store, kStart);
    if (!keys || !secret) finding("cannot set up the store", nullptr, nullptr);
    auth::Options o;
    o.issuer = "http://127.0.0.1:5000";
    o.password = crypto::PasswordParams{1, 64 * 1024};
    service = std::make_unique<auth::Service>(store, std::move(*keys), std::move(*secret), o,
                                              [this] { return now.load(); }, audit);
    api::add_routes(router, *service, pool(),
                    api::ApiOptions{std::string(kIntrospectionSecret), 300});
    if (!service->accounts().signup(kUser, kPassword)) finding("cannot sign up the user", nullptr, nullptr);
    auto t = service->logins().login(kUser, kPassword, auth::Client{"fuzz/1.0", "127.0.0.1"});
    if (!t) finding("cannot log the user in", nullptr, nullptr);
    access = t->access_token;
    refresh = refresh0 = t->refresh_token;
    session_id = t->session_id;
  }

  store::sqlite::SqliteStore store;
  std::atomic<UnixSeconds> now{kStart};
  auth::AuditLog audit{store};
  std::unique_ptr<auth::Service> service;
  http::Router router;
  std::string access, refresh, refresh0, session_id;
};

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

std::string substitute(std::string_view text, const World& w) {
  std::string s(text);
  if (s.find('@') == std::string::npos) return s;
  replace_all(s, "@A@", w.access);
  replace_all(s, "@R@", w.refresh);
  replace_all(s, "@R0@", w.refresh0);
  replace_all(s, "@S@", w.session_id);
  return s;
}

void substitute(BeastRequest& req, const World& w) {
  req.target(substitute(req.target(), w));
  // Fields cannot be edited in place: take them all out and put them back in
  // order, so that repeated fields stay repeated.
  bool any = false;
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& f : req) {
    any = any || f.value().find('@') != std::string_view::npos;
    fields.emplace_back(std::string(f.name_string()), substitute(f.value(), w));
  }
  if (any) {
    for (const auto& [name, value] : fields) req.erase(name);
    for (const auto& [name, value] : fields) req.insert(name, value);
  }
  req.body() = substitute(req.body(), w);
}

UnixSeconds sleep_seconds(const BeastRequest& req) {
  const std::string_view v = req["X-Fuzz-Sleep"];
  UnixSeconds n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') break;
    n = n * 10 + (c - '0');
    if (n > kMaxSleep) return kMaxSleep;
  }
  return n;
}

// Tokens the answer hands out become the placeholders' values.
void learn(const http::Response& res, World& w) {
  boost::system::error_code ec;
  auto v = boost::json::parse(res.body, ec);
  if (ec || !v.is_object()) finding("answer body is not a JSON object", nullptr, &res);
  const auto& o = v.as_object();
  auto take = [&](std::string_view key, std::string& into) {
    if (auto* x = o.if_contains(key); x && x->is_string()) into = std::string(x->get_string());
  };
  if (res.status != 200) return;
  take("access_token", w.access);
  take("new_access_token", w.access);
  take("refresh_token", w.refresh);
}

void check(const http::Request& req, const http::Response& res) {
  if (res.status >= 500 && res.status != 503) finding("server error", &req, &res);
  if (res.status < 200 || res.status > 599) finding("status out of range", &req, &res);
  auto has = [&](std::string_view name) {
    for (const auto& [n, _] : res.headers)
      if (beast::iequals(n, name)) return true;
    return false;
  };
  if (res.status == 401 && !has("WWW-Authenticate")) finding("401 without WWW-Authenticate", &req, &res);
  if (res.status == 405 && !has("Allow")) finding("405 without Allow", &req, &res);
}

http::Response dispatch(const http::Router& router, http::Request& req) {
  asio::io_context ioc;
  std::exception_ptr error;
  http::Response res;
  bool done = false;
  asio::co_spawn(ioc, router.dispatch(req), [&](std::exception_ptr e, http::Response r) {
    error = e;
    res = std::move(r);
    done = true;
  });
  ioc.run();
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "request_fuzz: handler threw: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "request_fuzz: handler threw a non-exception\n");
    }
    finding("exception out of a handler (the connection answers 500)", &req, nullptr);
  }
  if (!done) finding("dispatch did not complete", &req, nullptr);
  return res;
}

// The answer as the connection writes it (http::write_response), read back
// as a client would: it must say what the handler answered.
void check_written(const http::Request& req, const http::Response& res, const BeastRequest& breq,
                   std::string_view request_id) {
  const bool keep_alive = breq.keep_alive();
  std::string wire;
  http::write_response(res, breq.version() == 10 ? 10 : 11, keep_alive, request_id, wire);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  parser.eager(true);
  beast::error_code ec;
  asio::const_buffer rest(wire.data(), wire.size());
  while (!ec && !parser.is_done() && rest.size() > 0) {
    const std::size_t n = parser.put(rest, ec);
    rest += n;
    if (n == 0) break;
  }
  if (ec || !parser.is_done() || rest.size() != 0) finding("answer does not read back", &req, &res);
  const auto& back = parser.get();
  const bool bodiless = res.status < 200 || res.status == 204 || res.status == 304;
  if (back.result_int() != res.status || back.body() != (bodiless ? std::string() : res.body))
    finding("answer reads back with another status or body", &req, &res);
  if (back.keep_alive() != keep_alive) finding("answer reads back with another keep-alive", &req, &res);
  if (back["X-Request-Id"] != request_id) finding("answer reads back with another X-Request-Id", &req, &res);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  crypto::init();
  log::set_level(log::Level::error);
  const char* v = std::getenv("LATCHKEY_FUZZ_VERBOSE");
  verbose = v && *v && *v != '0';
  (void)pool();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World w;
  const http::ServerOptions limits;  // the server's defaults
  // As the connection's: fields live in an arena, released for each request.
  alignas(std::max_align_t) std::array<std::byte, http::kArenaBytes> arena_bytes;
  std::pmr::monotonic_buffer_resource arena(arena_bytes.data(), arena_bytes.size());
  asio::const_buffer rest(data, size);
  for (std::size_t i = 0; i < kMaxRequests && rest.size() > 0; ++i) {
    arena.release();
    bhttp::request_parser<bhttp::string_body, http::ArenaAlloc> parser(
        std::piecewise_construct, std::make_tuple(), std::make_tuple(http::ArenaAlloc(&arena)));
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    parser.eager(true);
    beast::error_code ec;
    while (!parser.is_done()) {
      const std::size_t n = parser.put(rest, ec);
      rest += n;
      if (ec && ec != bhttp::error::need_more) break;
      if (n > 0 && rest.size() > 0) {
        ec = {};
        continue;
      }
      // No progress, or nothing left: the input ends here, like a closed connection.
      ec = {};
      if (!parser.is_done()) parser.put_eof(ec);
      break;
    }
    if (ec || !parser.is_done()) break;  // the connection answers 4xx itself, or closes

    BeastRequest breq = parser.release();
    substitute(breq, w);
    w.now += 1 + sleep_seconds(breq);

    http::BeastHeaders headers(breq);
    http::Request req(headers);
    http::describe(req, breq);
    req.remote_ip = "127.0.0.1";
    // A fixed id, not a random one, when the client's is refused: runs stay reproducible.
    std::string request_id(breq["X-Request-Id"]);
    if (!http::valid_request_id(request_id)) request_id = "fuzz";
    req.request_id = request_id;

    const http::Response res = dispatch(w.router, req);
    if (verbose)
      std::fprintf(stderr, "request_fuzz: %.*s %.*s -> %u %s\n", static_cast<int>(req.method.size()),
                   req.method.data(), static_cast<int>(req.path.size()), req.path.data(), res.status,
                   res.body.substr(0, 160).c_str());
    check(req, res);
    learn(res, w);
    check_written(req, res, breq, request_id);
    if (auto flushed = w.service->sessions().flush_usage(); !flushed)
      finding("flush_usage failed", &req, nullptr);
    if (!breq.keep_alive()) break;
  }
  return 0;
}
