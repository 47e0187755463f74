#pragma once
// Writes the Prometheus text exposition format, version 0.0.4: for each
// family a `# HELP` and a `# TYPE` line, then its samples
// `name{label="value",...} value`. Label values and help texts are escaped
// as the format says; histograms get cumulative `_bucket{le=...}` samples
// ending with +Inf, then `_sum` and `_count`.
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "metrics/histogram.hpp"

namespace latchkey::metrics {

using Label = std::pair<std::string_view, std::string_view>;
using Labels = std::initializer_list<Label>;

// The content type of the exposition.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

class TextWriter {
 public:
  // Starts a family. `type`: counter, gauge or histogram. Metric and label
  // names are the program's own: an invalid one is a bug (std::logic_error).
  void family(std::string_view name, std::string_view type, std::string_view help);

  void sample(std::string_view name, Labels labels, double value);
  void sample(std::string_view name, Labels labels, std::int64_t value);
  void sample(std::string_view name, Labels labels, std::uint64_t value);

  // `name`_bucket for each bound (`cumulative` has one more entry, for
  // +Inf), `name`_sum and `name`_count. Bounds and sum are divided by
  // `divisor` (1e6 for microseconds shown as seconds).
  void histogram(std::string_view name, Labels labels, std::span<const std::uint64_t> bounds,
                 std::span<const std::uint64_t> cumulative, std::uint64_t sum, double divisor);
  void histogram(std::string_view name, Labels labels, const Histogram::Snapshot& s) {
    histogram(name, labels, kLatencyBoundsMicros, s.cumulative, s.sum_micros, 1e6);
  }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void series(std::string_view name, Labels labels, const Label* extra);

  std::string out_;
};

// Whether `name` is a valid metric (or, with `label`, label) name.
bool valid_name(std::string_view name, bool label = false);
// A float as the format writes it: shortest round-trip form, +Inf, -Inf, NaN.
std::string format_value(double v);

}  // namespace latchkey::metrics
