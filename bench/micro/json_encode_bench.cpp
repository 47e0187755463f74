// BM_JsonEncodeResponse/{protected,login}: the JSON answers built as
// src/api/routes.cpp builds them: a boost::json::object serialized by
// api::json_response into a Response body.
#include <string>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include "api/json_io.hpp"
#include "fixtures.hpp"

namespace latchkey::bench {
namespace {

namespace json = boost::json;

// GET /protected: Api::protected_resource, through routes.cpp's message().
void BM_JsonEncodeResponse_protected(benchmark::State& state) {
  const std::string username = claims().username;
  const AllocCounts before = alloc_counts();
  for (auto _ : state) {
    http::Response r = api::json_response(
        200, json::object{{"message", "Hello, " + username +
                                          ". You have successfully accessed the protected route."}});
    benchmark::DoNotOptimize(r.body);
  }
  report_allocs(state, alloc_counts() - before);
}

// POST /login: Api::login's answer, with an ES256 access token and a refresh
// token of the real shapes.
void BM_JsonEncodeResponse_login(benchmark::State& state) {
  const std::string access = token::sign_access_token(claims(), make_key(token::Alg::ES256));
  const std::string refresh = "lkr_" + claims().sid + ".0.Xk2mQ9vR7tL0wP3sY8zB1cN5dF6gH4jK2aE0uI9oT7w";
  const std::string session_id = claims().sid;
  const UnixSeconds expires_in = 900;
  const AllocCounts before = alloc_counts();
  for (auto _ : state) {
    http::Response r = api::json_response(200, json::object{
                                                   {"message", "Login successful"},
                                                   {"access_token", access},
                                                   {"refresh_token", refresh},
                                                   {"token_type", "Bearer"},
                                                   {"expires_in", expires_in},
                                                   {"session_id", session_id},
                                               });
    benchmark::DoNotOptimize(r.body);
  }
  report_allocs(state, alloc_counts() - before);
}

BENCHMARK(BM_JsonEncodeResponse_protected)->Name("BM_JsonEncodeResponse/protected");
BENCHMARK(BM_JsonEncodeResponse_login)->Name("BM_JsonEncodeResponse/login");

}  // namespace
}  // namespace latchkey::bench
