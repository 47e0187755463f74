#include "metrics/http_metrics.hpp"

#include <algorithm>
#include <tuple>
#include <vector>

namespace latchkey::metrics {

HttpMetrics::HttpMetrics() : unmatched_(&series_.emplace_back("other", std::string(kUnmatchedRoute))) {}

RouteSeries& HttpMetrics::route(std::string_view method, std::string_view route) {
  std::lock_guard lock(mutex_);
  for (RouteSeries& s : series_) {
    if (s.method_ == method && s.route_ == route) return s;
  }
  return series_.emplace_back(std::string(method), std::string(route));
}

void HttpMetrics::write(TextWriter& out) const {
  struct Row {
    const RouteSeries* series;
    std::string_view status;
    Histogram::Snapshot snap;
  };
  std::vector<Row> rows;
  {
    std::lock_guard lock(mutex_);
    for (const RouteSeries& s : series_) {
      for (std::size_t i = 0; i < s.by_status_.size(); ++i) {
        Histogram::Snapshot snap = s.by_status_[i].snapshot();
        if (snap.count() == 0) continue;
        static const auto names = [] {
          std::array<std::string, kStatuses.size() + 1> n;
          for (std::size_t k = 0; k < kStatuses.size(); ++k) n[k] = std::to_string(kStatuses[k]);
          n.back() = "other";
          return n;
        }();
        rows.push_back(Row{&s, names[i], snap});
      }
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.series->route(), a.series->method(), a.status) <
           std::tie(b.series->route(), b.series->method(), b.status);
  });
  out.family("latchkey_http_requests_total", "counter",
             "HTTP requests answered, by method, route (the matched pattern) and status.");
  for (const Row& r : rows) {
    out.sample("latchkey_http_requests_total",
               {{"method", r.series->method()}, {"route", r.series->route()}, {"status", r.status}},
               r.snap.count());
  }
  out.family("latchkey_http_request_duration_seconds", "histogram",
             "Time from a request's last byte read to its answer's last byte written.");
  for (const Row& r : rows) {
    out.histogram("latchkey_http_request_duration_seconds",
                  {{"method", r.series->method()}, {"route", r.series->route()}, {"status", r.status}},
                  r.snap);
  }
}

}  // namespace latchkey::metrics
