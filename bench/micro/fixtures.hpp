#pragma once
// What several micro benchmarks share: keys, claims and policy made the way
// tests/unit does (token_test_util.hpp), and the allocation counters a
// benchmark reports.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "counting_allocator.hpp"
#include "crypto/random.hpp"
#include "token/jwt.hpp"
#include "token/key_material.hpp"

namespace latchkey::bench {

inline constexpr UnixSeconds kNow = 1'800'000'000;

// How many sessions the memory and lookup benchmarks hold.
inline constexpr std::int64_t kEntries = 100'000;

// Session ids as the service makes them (random_token(16): 22 characters).
inline std::vector<std::string> session_ids(std::size_t n) {
  std::vector<std::string> ids;
  ids.reserve(n);
  for (std::size_t i = 0; i < n; ++i) ids.push_back(crypto::random_token(16));
  return ids;
}

inline token::SigningKey make_key(token::Alg alg, std::string kid = "k1") {
  auto k = token::generate_key(alg, std::move(kid), kNow);
  if (!k) throw std::runtime_error(k.error());
  return std::move(*k);
}

inline token::AccessClaims claims() {
  token::AccessClaims c;
  c.iss = "http://127.0.0.1:5000";
  c.aud = "latchkey";
  c.sub = "0b7c7a43-3f4e-4c1e-9a55-2f5e8b7d1c20";  // a user id is a UUID
  c.username = "alice";
  c.sid = "Jq3fW0m9xT2bYk7LpQ4vZa";                 // a session id: random_token(16)
  c.jti = "n8Rk2LwQ5sTz1VbX7cJ0yA";
  c.iat = kNow;
  c.exp = kNow + 900;
  return c;
}

// A /protected request as a load generator (wrk) sends it.
inline std::string protected_request_text(std::string_view access_token) {
  std::string r =
      "GET /protected HTTP/1.1\r\n"
      "Host: 127.0.0.1:5000\r\n"
      "User-Agent: wrk/4.1.0\r\n"
      "Accept: application/json\r\n"
      "Authorization: Bearer ";
  r += access_token;
  r += "\r\n\r\n";
  return r;
}

inline token::VerifyPolicy policy() {
  return token::VerifyPolicy{"http://127.0.0.1:5000", "latchkey", 30, false};
}

// Counters "allocs/op" (operator new + OpenSSL), "bytes/op" (bytes asked)
// and "ossl_allocs/op" (the OpenSSL share), averaged over the iterations.
inline void report_allocs(benchmark::State& state, const AllocCounts& delta) {
  using benchmark::Counter;
  state.counters["allocs/op"] = Counter(static_cast<double>(delta.allocs()), Counter::kAvgIterations);
  state.counters["bytes/op"] = Counter(static_cast<double>(delta.bytes()), Counter::kAvgIterations);
  state.counters["ossl_allocs/op"] = Counter(static_cast<double>(delta.ossl), Counter::kAvgIterations);
}

}  // namespace latchkey::bench
