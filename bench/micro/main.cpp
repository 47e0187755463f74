// latchkey_micro: Google Benchmark binary for the server's hot pieces (see
// README.md). OpenSSL's allocator is hooked before anything else runs so
// that its allocations are counted too.
#include <cstdio>

#include <benchmark/benchmark.h>

#include "counting_allocator.hpp"
#include "crypto/random.hpp"
#include "util/log.hpp"

int main(int argc, char** argv) {
  const bool ossl_counted = latchkey::bench::count_openssl_allocations();
  if (!ossl_counted) std::fprintf(stderr, "latchkey_micro: OpenSSL allocations are not counted\n");
  latchkey::crypto::init();
  latchkey::log::set_level(latchkey::log::Level::error);  // as quiet as a benchmark needs
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("openssl_allocs_counted", ossl_counted ? "yes" : "no");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
