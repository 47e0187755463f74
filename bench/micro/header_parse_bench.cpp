// BM_ParseRequestHeader: Beast's request_parser on a typical /protected
// request, a new parser per request with the server's limits, as
// src/http/connection.cpp reads each request of a connection.
#include <string>

#include <benchmark/benchmark.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include "fixtures.hpp"
#include "http/server.hpp"

namespace latchkey::bench {
namespace {

namespace bhttp = boost::beast::http;

void BM_ParseRequestHeader(benchmark::State& state) {
  const std::string raw =
      protected_request_text(token::sign_access_token(claims(), make_key(token::Alg::ES256)));
  const http::ServerOptions limits;
  state.SetLabel(std::to_string(raw.size()) + "-byte request");
  const AllocCounts before = alloc_counts();
  for (auto _ : state) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(raw), ec);
    if (ec || !parser.is_done()) {
      state.SkipWithError("the request did not parse");
      break;
    }
    benchmark::DoNotOptimize(parser.get()[bhttp::field::authorization]);
  }
  report_allocs(state, alloc_counts() - before);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw.size()));
}

BENCHMARK(BM_ParseRequestHeader);

}  // namespace
}  // namespace latchkey::bench
