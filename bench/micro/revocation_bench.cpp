// BM_RevocationLookup/{hit,miss}: RevocationSet::contains() with 100,000
// revoked sessions, as every authenticated request asks it. And the memory
// each entry of the two per-session maps costs (counter "bytes/entry": heap
// held after inserting N real-shaped session ids, divided by N):
// BM_RevocationSetMemory and BM_UsageTrackerMemory.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "auth/revocation_set.hpp"
#include "auth/usage_tracker.hpp"
#include "crypto/random.hpp"
#include "fixtures.hpp"

namespace latchkey::bench {
namespace {

constexpr std::int64_t kEntries = 100'000;

// Session ids as the service makes them (random_token(16): 22 characters).
std::vector<std::string> session_ids(std::size_t n) {
  std::vector<std::string> ids;
  ids.reserve(n);
  for (std::size_t i = 0; i < n; ++i) ids.push_back(crypto::random_token(16));
  return ids;
}

void BM_RevocationLookup(benchmark::State& state, bool hit) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<std::string> revoked = session_ids(n);
  auth::RevocationSet set;
  for (const auto& id : revoked) set.add(id, kNow + 900);
  const std::vector<std::string> asked = hit ? revoked : session_ids(n);
  std::size_t i = 0;
  std::size_t found = 0;
  const AllocCounts before = alloc_counts();
  for (auto _ : state) {
    found += set.contains(asked[i]) ? 1 : 0;
    if (++i == n) i = 0;
  }
  report_allocs(state, alloc_counts() - before);
  if (found != (hit ? static_cast<std::size_t>(state.iterations()) : 0))
    state.SkipWithError("lookups answered wrongly");
}

BENCHMARK_CAPTURE(BM_RevocationLookup, hit, true)->Arg(kEntries);
BENCHMARK_CAPTURE(BM_RevocationLookup, miss, false)->Arg(kEntries);

// Inserts N ids with `insert(id)` once per iteration, into a fresh container
// made by `make()`; reports the heap it then holds per entry.
template <class Make, class Insert>
void measure_entries(benchmark::State& state, Make make, Insert insert) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<std::string> ids = session_ids(n);
  std::int64_t held = 0;
  for (auto _ : state) {
    const AllocCounts before = alloc_counts();
    auto container = make();
    for (const auto& id : ids) insert(*container, id);
    held = (alloc_counts() - before).live_bytes;
    state.PauseTiming();
    container.reset();  // not timed, not counted
    state.ResumeTiming();
  }
  state.counters["bytes/entry"] = static_cast<double>(held) / static_cast<double>(n);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_RevocationSetMemory(benchmark::State& state) {
  measure_entries(
      state, [] { return std::make_unique<auth::RevocationSet>(); },
      [](auth::RevocationSet& s, const std::string& id) { s.add(id, kNow + 900); });
}

void BM_UsageTrackerMemory(benchmark::State& state) {
  measure_entries(
      state, [] { return std::make_unique<auth::UsageTracker>(); },
      [](auth::UsageTracker& u, const std::string& id) { u.note(id, kNow); });
}

BENCHMARK(BM_RevocationSetMemory)->Arg(kEntries)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UsageTrackerMemory)->Arg(kEntries)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace latchkey::bench
