// BM_JwtVerify/<alg> and BM_JwtSign/<alg>: access tokens as the server signs
// and verifies them, one key per algorithm, generated as tests/unit does.
#include <string>

#include <benchmark/benchmark.h>

#include "fixtures.hpp"

namespace latchkey::bench {
namespace {

using token::Alg;

void BM_JwtVerify(benchmark::State& state, Alg alg) {
  const token::SigningKey key = make_key(alg);
  const token::KeySet keys{{key}};
  const std::string jwt = token::sign_access_token(claims(), key);
  const token::VerifyPolicy pol = policy();
  state.SetLabel(std::to_string(jwt.size()) + "-byte token");
  const AllocCounts before = alloc_counts();
  for (auto _ : state) {
    auto c = token::verify_access_token(jwt, keys, pol, kNow + 10);
    if (!c) {
      state.SkipWithError("verification failed");
      break;
    }
    benchmark::DoNotOptimize(c);
  }
  report_allocs(state, alloc_counts() - before);
}

void BM_JwtSign(benchmark::State& state, Alg alg) {
  const token::SigningKey key = make_key(alg);
  const token::AccessClaims c = claims();
  const AllocCounts before = alloc_counts();
  for (auto _ : state) {
    std::string jwt = token::sign_access_token(c, key);
    benchmark::DoNotOptimize(jwt);
  }
  report_allocs(state, alloc_counts() - before);
}

BENCHMARK_CAPTURE(BM_JwtVerify, HS256, Alg::HS256);
BENCHMARK_CAPTURE(BM_JwtVerify, ES256, Alg::ES256);
BENCHMARK_CAPTURE(BM_JwtVerify, EdDSA, Alg::EdDSA);
BENCHMARK_CAPTURE(BM_JwtVerify, RS256, Alg::RS256);
BENCHMARK_CAPTURE(BM_JwtSign, HS256, Alg::HS256);
BENCHMARK_CAPTURE(BM_JwtSign, ES256, Alg::ES256);
BENCHMARK_CAPTURE(BM_JwtSign, EdDSA, Alg::EdDSA);
BENCHMARK_CAPTURE(BM_JwtSign, RS256, Alg::RS256);

}  // namespace
}  // namespace latchkey::bench
