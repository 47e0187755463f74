// BM_RevocationLookup/{hit,miss}: RevocationSet::contains() with 100,000
// revoked sessions, as every authenticated request asks it.
#include <cstddef>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "auth/revocation_set.hpp"
#include "fixtures.hpp"

namespace latchkey::bench {
namespace {

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

}  // namespace
}  // namespace latchkey::bench
