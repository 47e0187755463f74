#include "store/sqlite/checkpointer.hpp"

#include <stdexcept>

#include "store/sqlite/sqlite_db.hpp"
#include "util/log.hpp"

namespace latchkey::store::sqlite {

Checkpointer::Checkpointer(const std::string& path) : db_(std::make_unique<Db>(path)) {
  if (db_->exec("PRAGMA busy_timeout = 1000") != SQLITE_OK)
    throw std::runtime_error("cannot use SQLite database '" + path + "': " + db_->last_error());
  thread_ = std::thread([this] { loop(); });
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Checkpointer::wal_size(int pages) {
  if (pages < kThresholdPages) return;
  {
    std::lock_guard lock(mutex_);
    if (due_) return;
    due_ = true;
  }
  wake_.notify_one();
}

std::uint64_t Checkpointer::runs() const {
  std::lock_guard lock(mutex_);
  return runs_;
}

void Checkpointer::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || due_; });
    if (stop_) return;
    due_ = false;
    lock.unlock();
    // PASSIVE: copies what no reader still needs, waits for nobody. A busy
    // database (another process checkpointing) is retried at the next request.
    const int rc = db_->exec("PRAGMA wal_checkpoint(PASSIVE)");
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
      log::warn("store.sqlite.checkpoint_failed", {{"code", static_cast<std::int64_t>(rc)},
                                                  {"detail", std::string_view(db_->last_error())}});
    }
    lock.lock();
    ++runs_;
  }
}

}  // namespace latchkey::store::sqlite
