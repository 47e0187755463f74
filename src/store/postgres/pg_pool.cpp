#include "store/postgres/pg_pool.hpp"

#include "store/store_stats.hpp"

namespace latchkey::store::postgres {

PgPool::PgPool(std::string conninfo, std::size_t size, std::chrono::milliseconds wait) : wait_(wait) {
  for (std::size_t i = 0; i < size; ++i) {
    all_.push_back(std::make_unique<PgConnection>(conninfo));
    idle_.push_back(all_.back().get());
  }
  stats().pool_size.store(static_cast<std::int64_t>(size), std::memory_order_relaxed);
}

Result<PgPool::Lease> PgPool::acquire() {
  std::unique_lock lock(mutex_);
  if (!freed_.wait_for(lock, wait_, [&] { return !idle_.empty(); })) {
    count_error(StoreError::unavailable);
    return tl::unexpected(StoreError::unavailable);
  }
  PgConnection* c = idle_.back();
  idle_.pop_back();
  stats().pool_in_use.fetch_add(1, std::memory_order_relaxed);
  return Lease(this, c);
}

void PgPool::give_back(PgConnection* c) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(c);
  }
  stats().pool_in_use.fetch_sub(1, std::memory_order_relaxed);
  freed_.notify_one();
}

}  // namespace latchkey::store::postgres
