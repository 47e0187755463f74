#include "store/postgres/pg_pool.hpp"

namespace latchkey::store::postgres {

PgPool::PgPool(std::string conninfo, std::size_t size, std::chrono::milliseconds wait) : wait_(wait) {
  for (std::size_t i = 0; i < size; ++i) {
    all_.push_back(std::make_unique<PgConnection>(conninfo));
    idle_.push_back(all_.back().get());
  }
}

Result<PgPool::Lease> PgPool::acquire() {
  std::unique_lock lock(mutex_);
  if (!freed_.wait_for(lock, wait_, [&] { return !idle_.empty(); }))
    return tl::unexpected(StoreError::unavailable);
  PgConnection* c = idle_.back();
  idle_.pop_back();
  return Lease(this, c);
}

void PgPool::give_back(PgConnection* c) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(c);
  }
  freed_.notify_one();
}

}  // namespace latchkey::store::postgres
