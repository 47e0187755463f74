// What the server keeps in memory per session, revocation or verified
// token, measured: the heap a container holds after N real-shaped entries
// go in, divided by N (counter "bytes/entry", glibc chunk sizes, so malloc's
// own 8-byte headers and rounding are included).
//   BM_RevocationSetMemory  auth::RevocationSet::add (one per revoked session)
//   BM_UsageTrackerMemory   auth::UsageTracker::note (one per session in use)
//   BM_VerifiedCacheMemory  token::VerifiedCache::insert (one per access
//                           token presented; capacity = N, all 16 shards)
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "auth/revocation_set.hpp"
#include "auth/usage_tracker.hpp"
#include "fixtures.hpp"
#include "token/verified_cache.hpp"

namespace latchkey::bench {
namespace {

// Makes a fresh container with `make()` and inserts the N keys of `keys`
// with `insert(container, i)` once per iteration; reports the heap it then
// holds per entry.
template <class Make, class Insert>
void measure_entries(benchmark::State& state, const std::vector<std::string>& keys, Make make,
                     Insert insert) {
  const std::size_t n = keys.size();
  std::int64_t held = 0;
  for (auto _ : state) {
    const AllocCounts before = alloc_counts();
    auto container = make();
    for (std::size_t i = 0; i < n; ++i) insert(*container, i);
    held = (alloc_counts() - before).live_bytes;
    state.PauseTiming();
    container.reset();  // neither timed nor counted
    state.ResumeTiming();
  }
  state.counters["bytes/entry"] = static_cast<double>(held) / static_cast<double>(n);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

void BM_RevocationSetMemory(benchmark::State& state) {
  const auto ids = session_ids(static_cast<std::size_t>(state.range(0)));
  measure_entries(
      state, ids, [] { return std::make_unique<auth::RevocationSet>(); },
      [&](auth::RevocationSet& s, std::size_t i) { s.add(ids[i], kNow + 900); });
}

void BM_UsageTrackerMemory(benchmark::State& state) {
  const auto ids = session_ids(static_cast<std::size_t>(state.range(0)));
  measure_entries(
      state, ids, [] { return std::make_unique<auth::UsageTracker>(); },
      [&](auth::UsageTracker& u, std::size_t i) { u.note(ids[i], kNow); });
}

void BM_VerifiedCacheMemory(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto sids = session_ids(n);
  // The cache keys on the SHA-256 of the token's bytes: any distinct texts
  // of a token's length will do.
  std::vector<std::string> tokens;
  tokens.reserve(n);
  for (std::size_t i = 0; i < n; ++i) tokens.push_back(std::string(440, 'x') + std::to_string(i));
  const std::string user_id = claims().sub;  // a UUID, 36 characters
  measure_entries(
      state, tokens, [n] { return std::make_unique<token::VerifiedCache>(n, 30); },
      [&](token::VerifiedCache& c, std::size_t i) {
        c.insert(tokens[i], std::make_shared<const token::VerifiedToken>(token::VerifiedToken{
                                .sub = user_id, .username = "user" + std::to_string(i), .sid = sids[i], .exp = kNow + 900}));
      });
}

BENCHMARK(BM_RevocationSetMemory)->Arg(kEntries)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UsageTrackerMemory)->Arg(kEntries)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifiedCacheMemory)->Arg(kEntries)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace latchkey::bench
