#pragma once
// Requests counted and timed per route, method and status. Each route's
// series are created once, when the route is registered; recording a request
// is then a status lookup in a small fixed table and two relaxed atomic adds.
// The request count is the histogram's count: one set of atomics for both.
#include <array>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>

#include "metrics/histogram.hpp"
#include "metrics/text_writer.hpp"

namespace latchkey::metrics {

// Statuses with series of their own; any other is recorded as "other".
inline constexpr std::array<unsigned, 15> kStatuses = {200, 201, 204, 400, 401, 403, 404, 405,
                                                       409, 413, 415, 429, 431, 500, 503};

// The route label of requests that matched no route (unknown path or
// method, unreadable request): never the raw path, whose values are unbounded.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

class RouteSeries {
 public:
  RouteSeries(std::string method, std::string route) : method_(std::move(method)), route_(std::move(route)) {}

  void observe(unsigned status, std::uint64_t micros) noexcept { by_status_[slot(status)].observe(micros); }

  const std::string& method() const { return method_; }
  const std::string& route() const { return route_; }

 private:
  friend class HttpMetrics;
  static std::size_t slot(unsigned status) noexcept {
    for (std::size_t i = 0; i < kStatuses.size(); ++i) {
      if (kStatuses[i] == status) return i;
    }
    return kStatuses.size();
  }

  std::string method_;
  std::string route_;
  std::array<Histogram, kStatuses.size() + 1> by_status_;  // the last one: other statuses
};

class HttpMetrics {
 public:
  HttpMetrics();
  // The series of a route (the same one when a route is registered again,
  // e.g. on the metrics listener). Registration time only: takes a lock.
  RouteSeries& route(std::string_view method, std::string_view route);
  // Requests no route matched.
  RouteSeries& unmatched() { return *unmatched_; }

  // latchkey_http_requests_total and latchkey_http_request_duration_seconds,
  // for every series that has seen a request.
  void write(TextWriter& out) const;

 private:
  mutable std::mutex mutex_;
  std::deque<RouteSeries> series_;  // a deque: addresses stay put as it grows
  RouteSeries* unmatched_;
};

}  // namespace latchkey::metrics
