// BM_ProtectedRequest: the whole GET /protected path of a kept-alive
// connection, without the socket: raw request bytes -> Beast parse (a new
// parser per request, the server's limits) -> http::Request -> Router
// dispatch (the real api routes and auth::Service on an in-memory SQLite
// store, ES256 keys as the server makes by default) -> Beast response ->
// serialized into a reused buffer. The loop runs inside one coroutine on an
// io_context, as src/http/connection.cpp serves a connection, so handler
// frames are recycled as they are in the server.
//
// Two runs: /cached with the server's verified-token cache (a client sending
// the same token again, as load generators and real clients do) and
// /uncached with it off (what every request would pay without it, and what
// a token's first request pays).
//
// Counters: allocs/op and bytes/op for the whole request, and the share of
// each phase (parse_allocs/op, dispatch_allocs/op, write_allocs/op);
// retained_bytes/op, the heap still held once the requests are done (should
// be 0: anything else grows with every request).
// LATCHKEY_MICRO_ITERATIONS=N runs exactly N iterations (for heaptrack).
//
// Not included: the socket reads and writes, the access log line (the log
// level here is error), the deadline sweep of the shard.
#include <cctype>
#include <cstdlib>
#include <exception>
#include <memory>
#include <array>
#include <memory_resource>
#include <string>
#include <string_view>

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>

#include "api/routes.hpp"
#include "auth/key_bootstrap.hpp"
#include "auth/service.hpp"
#include "crypto/random.hpp"
#include "fixtures.hpp"
#include "http/beast_message.hpp"
#include "http/response_writer.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "util/worker_pool.hpp"

namespace latchkey::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using http::BeastHeaders;
using http::BeastRequest;

constexpr std::string_view kUser = "alice";
constexpr std::string_view kPassword = "bench-pass-Zq7-kW2x";

// What async_write does with the response, into `wire` instead of a socket.
WorkerPool& pool() {
  static WorkerPool p(1, 64);
  return p;
}

// A server's state with one user logged in.
struct World {
  explicit World(std::size_t token_cache_size) : store(":memory:") {
    auto keys = auth::load_signing_keys(store, auth::KeyPolicy{}, kNow);  // ES256, the default
    auto secret = auth::load_refresh_secret(store, kNow);
    if (!keys || !secret) throw std::runtime_error("cannot set up the store");
    auth::Options o;
    o.issuer = "http://127.0.0.1:5000";
    o.password = crypto::PasswordParams{1, 64 * 1024};  // sign-up speed only; not on this path
    o.token_cache_size = token_cache_size;
    service = std::make_unique<auth::Service>(store, std::move(*keys), std::move(*secret), o,
                                              [] { return kNow + 10; }, audit);
    api::add_routes(router, *service, pool());
    if (!service->accounts().signup(kUser, kPassword)) throw std::runtime_error("cannot sign up");
    auto t = service->logins().login(kUser, kPassword, auth::Client{"bench/1.0", "127.0.0.1"});
    if (!t) throw std::runtime_error("cannot log in");
    access = t->access_token;
  }

  store::sqlite::SqliteStore store;
  auth::AuditLog audit{store};
  std::unique_ptr<auth::Service> service;
  http::Router router;
  std::string access;
};

struct PhaseCounts {
  AllocCounts parse, dispatch, write;
  std::int64_t retained = 0;  // heap still held after the loop, all requests done
};

void add(AllocCounts& into, const AllocCounts& d) {
  into.news += d.news;
  into.new_bytes += d.new_bytes;
  into.ossl += d.ossl;
  into.ossl_bytes += d.ossl_bytes;
  into.live_bytes += d.live_bytes;
}

asio::awaitable<void> serve(benchmark::State& state, const World& w, const std::string& raw,
                            std::string& wire, PhaseCounts& phases) {
  const http::ServerOptions limits;
  alignas(std::max_align_t) std::array<std::byte, http::kArenaBytes> arena_bytes;
  std::pmr::monotonic_buffer_resource arena(arena_bytes.data(), arena_bytes.size());
  std::string body_buffer;  // the connection's, reused from request to request
  const AllocCounts start = alloc_counts();
  for (auto _ : state) {
    const AllocCounts t0 = alloc_counts();
    arena.release();  // as the connection does for each request
    bhttp::request_parser<bhttp::string_body, http::ArenaAlloc> parser(
        std::piecewise_construct, std::make_tuple(), std::make_tuple(http::ArenaAlloc(&arena)));
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    beast::error_code ec;
    parser.put(asio::buffer(raw), ec);
    if (ec || !parser.is_done()) {
      state.SkipWithError("the request did not parse");
      break;
    }
    BeastRequest req = parser.release();
    BeastHeaders headers(req);
    http::Request request(headers);
    http::describe(request, req);
    request.remote_ip = "127.0.0.1";
    std::string request_id(req["X-Request-Id"]);
    if (!http::valid_request_id(request_id)) request_id = crypto::buffered_random_token(http::kRequestIdBytes);
    request.request_id = request_id;
    body_buffer.clear();
    request.body_buffer = &body_buffer;
    const AllocCounts t1 = alloc_counts();

    http::Response response = co_await w.router.dispatch(request);
    const AllocCounts t2 = alloc_counts();

    if (response.status != 200) {
      state.SkipWithError(("/protected answered " + std::to_string(response.status)).c_str());
      break;
    }
    wire.clear();  // keeps its capacity, as the connection's buffer does
    http::write_response(response, req.version(), req.keep_alive(), request_id, wire);
    body_buffer = std::move(response.body);  // taken back, as the connection does
    benchmark::DoNotOptimize(wire.data());
    // Counted up to here: destroying response, request_id and req frees only.
    const AllocCounts t3 = alloc_counts();
    add(phases.parse, t1 - t0);
    add(phases.dispatch, t2 - t1);
    add(phases.write, t3 - t2);
  }
  phases.retained = (alloc_counts() - start).live_bytes;
}

// cached: the server's default verified-token cache, which a client
// presenting the same token again hits; uncached: the cache off, so every
// request pays the full verification, as a token's first request does.
void BM_ProtectedRequest(benchmark::State& state, bool cached) {
  World w(cached ? auth::Options{}.token_cache_size : 0);
  const std::string raw = protected_request_text(w.access);
  std::string wire;
  PhaseCounts phases;
  asio::io_context ioc;
  std::exception_ptr error;
  asio::co_spawn(ioc, serve(state, w, raw, wire, phases), [&](std::exception_ptr e) { error = e; });
  ioc.run();
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
    }
    return;
  }
  AllocCounts total;
  add(total, phases.parse);
  add(total, phases.dispatch);
  add(total, phases.write);
  report_allocs(state, total);
  using benchmark::Counter;
  state.counters["parse_allocs/op"] = Counter(static_cast<double>(phases.parse.allocs()), Counter::kAvgIterations);
  state.counters["dispatch_allocs/op"] = Counter(static_cast<double>(phases.dispatch.allocs()), Counter::kAvgIterations);
  state.counters["write_allocs/op"] = Counter(static_cast<double>(phases.write.allocs()), Counter::kAvgIterations);
  state.counters["retained_bytes/op"] = Counter(static_cast<double>(phases.retained), Counter::kAvgIterations);
  state.SetLabel(std::to_string(raw.size()) + " bytes in, " + std::to_string(wire.size()) + " out");
}

// LATCHKEY_MICRO_ITERATIONS=N: exactly N iterations, so that a heap profile
// (heaptrack) can be read as calls per request.
benchmark::internal::Benchmark* configured(benchmark::internal::Benchmark* b) {
  if (const char* n = std::getenv("LATCHKEY_MICRO_ITERATIONS"); n && std::atoll(n) > 0)
    b->Iterations(std::atoll(n));
  return b;
}

[[maybe_unused]] auto* registered_cached = configured(
    benchmark::RegisterBenchmark("BM_ProtectedRequest/cached", BM_ProtectedRequest, true));
[[maybe_unused]] auto* registered_uncached = configured(
    benchmark::RegisterBenchmark("BM_ProtectedRequest/uncached", BM_ProtectedRequest, false));

}  // namespace
}  // namespace latchkey::bench
