// The Prometheus text writer (format 0.0.4), the histogram and the per-route
// HTTP series.
#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/router.hpp"
#include "metrics/histogram.hpp"
#include "metrics/http_metrics.hpp"
#include "metrics/registry.hpp"
#include "metrics/text_writer.hpp"

namespace latchkey::metrics {
namespace {

TEST(TextWriter, FamilyAndSamples) {
  TextWriter w;
  w.family("jobs_total", "counter", "Jobs done.");
  w.sample("jobs_total", {{"kind", "a"}}, std::uint64_t{3});
  w.sample("jobs_total", {{"kind", "b"}, {"pool", "x"}}, std::uint64_t{0});
  w.family("temperature", "gauge", "Degrees.");
  w.sample("temperature", {}, 21.5);
  w.sample("temperature", {{"room", "cellar"}}, std::int64_t{-4});
  EXPECT_EQ(w.text(),
            "# HELP jobs_total Jobs done.\n"
            "# TYPE jobs_total counter\n"
            "jobs_total{kind=\"a\"} 3\n"
            "jobs_total{kind=\"b\",pool=\"x\"} 0\n"
            "# HELP temperature Degrees.\n"
            "# TYPE temperature gauge\n"
            "temperature 21.5\n"
            "temperature{room=\"cellar\"} -4\n");
}

TEST(TextWriter, EscapesLabelValuesAndHelp) {
  TextWriter w;
  w.family("m", "gauge", "back\\slash and\nnewline \"quotes\" stay");
  w.sample("m", {{"v", "a\\b\"c\nd"}}, 1.0);
  EXPECT_EQ(w.text(),
            "# HELP m back\\\\slash and\\nnewline \"quotes\" stay\n"
            "# TYPE m gauge\n"
            "m{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(TextWriter, SpecialValues) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(format_value(inf), "+Inf");
  EXPECT_EQ(format_value(-inf), "-Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1e6), "1e+06");
  EXPECT_EQ(format_value(5.0 / 1e6), "5e-06");
}

TEST(TextWriter, RefusesInvalidNamesAndTypes) {
  TextWriter w;
  EXPECT_THROW(w.family("1abc", "gauge", ""), std::logic_error);
  EXPECT_THROW(w.family("a-b", "gauge", ""), std::logic_error);
  EXPECT_THROW(w.family("ok", "summary", ""), std::logic_error);
  EXPECT_THROW(w.sample("ok", {{"bad-label", "x"}}, 1.0), std::logic_error);
  EXPECT_THROW(w.sample("ok", {{"__reserved", "x"}}, 1.0), std::logic_error);
  EXPECT_THROW(w.sample("ok", {{"a:b", "x"}}, 1.0), std::logic_error);  // colons: metric names only
  EXPECT_TRUE(valid_name("ns:sub_total"));
  EXPECT_TRUE(valid_name("_x9"));
  EXPECT_FALSE(valid_name(""));
}

TEST(TextWriter, HistogramIsCumulativeWithInfSumAndCount) {
  TextWriter w;
  const std::array<std::uint64_t, 3> bounds = {1, 5, 10};
  const std::array<std::uint64_t, 4> cumulative = {1, 3, 3, 4};
  w.family("lat_seconds", "histogram", "Latency.");
  w.histogram("lat_seconds", {{"route", "/x"}}, bounds, cumulative, 2500, 100.0);
  EXPECT_EQ(w.text(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{route=\"/x\",le=\"0.01\"} 1\n"
            "lat_seconds_bucket{route=\"/x\",le=\"0.05\"} 3\n"
            "lat_seconds_bucket{route=\"/x\",le=\"0.1\"} 3\n"
            "lat_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{route=\"/x\"} 25\n"
            "lat_seconds_count{route=\"/x\"} 4\n");
  const std::array<std::uint64_t, 3> wrong = {1, 2, 3};
  EXPECT_THROW(w.histogram("h", {}, bounds, wrong, 0, 1.0), std::logic_error);
}

TEST(Histogram, BucketsByUpperBoundInclusive) {
  Histogram h;
  h.observe(0);
  h.observe(50);       // le 5e-05 (inclusive)
  h.observe(51);       // le 1e-04
  h.observe(10'000'000);
  h.observe(10'000'001);  // +Inf only
  const auto s = h.snapshot();
  EXPECT_EQ(s.cumulative[0], 2u);
  EXPECT_EQ(s.cumulative[1], 3u);
  EXPECT_EQ(s.cumulative[Histogram::kBounds - 1], 4u);
  EXPECT_EQ(s.count(), 5u);
  EXPECT_EQ(s.sum_micros, 0u + 50 + 51 + 10'000'000 + 10'000'001);
  for (std::size_t i = 1; i < s.cumulative.size(); ++i) EXPECT_LE(s.cumulative[i - 1], s.cumulative[i]);
}

TEST(Histogram, ConcurrentObservationsAreAllCounted) {
  Histogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (std::uint64_t i = 0; i < 10'000; ++i) h.observe(i * static_cast<std::uint64_t>(t + 1));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.snapshot().count(), 40'000u);
}

TEST(HttpMetrics, SeriesPerRouteAndStatus) {
  HttpMetrics m;
  RouteSeries& login = m.route("POST", "/login");
  EXPECT_EQ(&login, &m.route("POST", "/login"));  // registered twice, one series
  EXPECT_NE(&login, &m.route("GET", "/login"));
  login.observe(200, 1000);
  login.observe(200, 3000);
  login.observe(401, 10);
  login.observe(418, 10);  // not in the fixed set
  m.unmatched().observe(404, 5);
  TextWriter w;
  m.write(w);
  const std::string& t = w.text();
  EXPECT_NE(t.find("latchkey_http_requests_total{method=\"POST\",route=\"/login\",status=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(t.find("latchkey_http_requests_total{method=\"POST\",route=\"/login\",status=\"401\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("latchkey_http_requests_total{method=\"POST\",route=\"/login\",status=\"other\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("latchkey_http_requests_total{method=\"other\",route=\"unmatched\",status=\"404\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("latchkey_http_request_duration_seconds_sum{method=\"POST\",route=\"/login\",status=\"200\"} 0.004\n"),
            std::string::npos);
  // Series that never saw a request are not written.
  EXPECT_EQ(t.find("method=\"GET\",route=\"/login\""), std::string::npos);
}

TEST(Registry, RendersHttpThenCollectors) {
  Registry r;
  r.add([](TextWriter& w) {
    w.family("extra", "gauge", "An extra.");
    w.sample("extra", {}, std::int64_t{7});
  });
  const std::string t = r.render();
  EXPECT_LT(t.find("latchkey_http_requests_total"), t.find("extra 7\n"));
}

TEST(RouterMatch, NamesThePatternAndRecords) {
  HttpMetrics m;
  http::Router router(&m);
  router.add("GET", "/a", [](const http::Request&) -> boost::asio::awaitable<http::Response> { co_return http::Response{}; });
  auto hit = router.match("GET", "/a");
  EXPECT_TRUE(hit.found);
  EXPECT_EQ(hit.route, "/a");
  EXPECT_EQ(hit.series, &m.route("GET", "/a"));
  auto wrong_method = router.match("POST", "/a");
  EXPECT_FALSE(wrong_method.found);
  EXPECT_EQ(wrong_method.route, kUnmatchedRoute);
  EXPECT_EQ(wrong_method.series, &m.unmatched());
  http::Router bare;  // without metrics
  EXPECT_EQ(bare.match("GET", "/a").series, nullptr);
}

}  // namespace
}  // namespace latchkey::metrics
