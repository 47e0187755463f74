#pragma once
// A bounded pool of PostgreSQL connections (DATABASE_POOL_SIZE). Connections
// open lazily and reopen after a failure; a caller waits at most `wait` for
// a free one and otherwise gets `unavailable`, so a stuck database turns into
// quick 503s rather than a queue that grows without bound.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/postgres/pg_connection.hpp"

namespace latchkey::store::postgres {

class PgPool {
 public:
  class Lease {
   public:
    Lease(PgPool* pool, PgConnection* conn) : pool_(pool), conn_(conn) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(o.conn_) { o.conn_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) pool_->give_back(conn_);
    }
    PgConnection* operator->() const { return conn_; }
    PgConnection& operator*() const { return *conn_; }

   private:
    PgPool* pool_;
    PgConnection* conn_;
  };

  PgPool(std::string conninfo, std::size_t size, std::chrono::milliseconds wait);

  Result<Lease> acquire();

 private:
  void give_back(PgConnection* c);

  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> all_;
  std::vector<PgConnection*> idle_;
  std::chrono::milliseconds wait_;
};

}  // namespace latchkey::store::postgres
