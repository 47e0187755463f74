// BM_Argon2id: crypto::hash_password at the parameters the server uses
// (crypto::PasswordParams' defaults: OWASP t=2, m=19 MiB, p=1), on one
// thread and on one thread per core. Real time and items per second, so
// that with all cores items_per_second is the whole machine's hashes per
// second (Google Benchmark sums the items of all threads and divides by the
// wall-clock time). bench/server.py reads that number from
//   latchkey_micro --benchmark_filter=Argon2id --benchmark_format=json
// taking the run whose "threads" equals the number of CPUs.
#include <algorithm>
#include <thread>

#include <benchmark/benchmark.h>

#include "crypto/password.hpp"

namespace latchkey::bench {
namespace {

void BM_Argon2id(benchmark::State& state) {
  const crypto::PasswordParams params;  // the server's defaults
  for (auto _ : state) {
    auto hash = crypto::hash_password("correct horse battery staple", params);
    if (!hash) {
      state.SkipWithError("out of memory");
      break;
    }
    benchmark::DoNotOptimize(hash->data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("t=" + std::to_string(params.ops) + " m=" + std::to_string(params.mem_bytes >> 20) +
                 "MiB p=1");
}

void thread_counts(benchmark::internal::Benchmark* b) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  b->Threads(1);
  if (cores > 1) b->Threads(static_cast<int>(cores));
}

BENCHMARK(BM_Argon2id)->Apply(thread_counts)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace latchkey::bench
