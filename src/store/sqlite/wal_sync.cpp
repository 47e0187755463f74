#include "store/sqlite/wal_sync.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "util/log.hpp"

namespace latchkey::store::sqlite {

WalSync::WalSync(std::string wal_path) : path_(std::move(wal_path)) {}

WalSync::~WalSync() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t WalSync::committed() {
  std::lock_guard lock(mutex_);
  return ++written_;
}

std::uint64_t WalSync::flushes() const {
  std::lock_guard lock(mutex_);
  return flushes_;
}

void WalSync::wait(std::uint64_t seq) {
  std::unique_lock lock(mutex_);
  while (durable_ < seq) {
    if (flushing_) {
      flushed_.wait(lock);
      continue;
    }
    // Lead one flush for everything written so far; later writers wait for
    // the next one.
    flushing_ = true;
    const std::uint64_t target = written_;
    if (fd_ < 0) fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    lock.unlock();
    // fsync works per file, not per descriptor: our own descriptor of the
    // WAL flushes the frames SQLite wrote through its own.
    const int rc = fd_ >= 0 ? ::fdatasync(fd_) : -1;
    const int err = errno;
    lock.lock();
    flushing_ = false;
    if (rc != 0) {
      log::error("store.sqlite.flush_failed", {{"path", std::string_view(path_)},
                                               {"detail", std::string_view(std::strerror(err))}});
      std::abort();
    }
    durable_ = std::max(durable_, target);
    ++flushes_;
    flushed_.notify_all();
  }
}

}  // namespace latchkey::store::sqlite
