#include "store/store_stats.hpp"

namespace latchkey::store {

StoreStats& stats() {
  static StoreStats s;
  return s;
}

void count_error(StoreError e) {
  if (e == StoreError::unavailable) stats().errors_unavailable.fetch_add(1, std::memory_order_relaxed);
  if (e == StoreError::failed) stats().errors_failed.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace latchkey::store
