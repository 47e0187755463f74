#pragma once
// Everything /metrics shows: the per-route HTTP series, plus collectors that
// write their families at scrape time from counters kept elsewhere (the
// service's, the worker pool's, the store's, the process's).
#include <functional>
#include <string>
#include <vector>

#include "metrics/http_metrics.hpp"
#include "metrics/text_writer.hpp"

namespace latchkey::metrics {

class Registry {
 public:
  using Collector = std::function<void(TextWriter&)>;

  HttpMetrics& http() { return http_; }
  // Before serving: collectors are not guarded against concurrent adds.
  void add(Collector c) { collectors_.push_back(std::move(c)); }
  // The whole exposition, in the order the collectors were added.
  std::string render() const {
    TextWriter out;
    http_.write(out);
    for (const auto& c : collectors_) c(out);
    return out.take();
  }

 private:
  HttpMetrics http_;
  std::vector<Collector> collectors_;
};

}  // namespace latchkey::metrics
