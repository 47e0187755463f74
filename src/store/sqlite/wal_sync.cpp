#include "store/sqlite/wal_sync.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "util/log.hpp"

namespace latchkey::store::sqlite {

WalSync::WalSync(std::string wal_path) : path_(std::move(wal_path)) {
  flusher_ = std::thread([this] { flush_loop(); });
}

WalSync::~WalSync() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_.notify_one();
  flusher_.join();
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t WalSync::reserve() {
  std::lock_guard lock(mutex_);
  return ++reserved_;
}

void WalSync::written() {
  bool due;
  {
    std::lock_guard lock(mutex_);
    written_ = reserved_;
    due = flush_due();
  }
  if (due) work_.notify_one();
}

std::uint64_t WalSync::last_reserved() const {
  std::lock_guard lock(mutex_);
  return reserved_;
}

std::uint64_t WalSync::flushes() const {
  std::lock_guard lock(mutex_);
  return flushes_;
}

void WalSync::wait(std::uint64_t seq) {
  std::unique_lock lock(mutex_);
  if (durable_ >= seq) return;
  wanted_ = std::max(wanted_, seq);
  if (flush_due()) work_.notify_one();
  flushed_.wait(lock, [&] { return durable_ >= seq; });
}

void WalSync::when_all_durable(std::function<void()> done) {
  {
    std::lock_guard lock(mutex_);
    if (queue_callback(reserved_, done)) return;
  }
  done();
}

void WalSync::when_durable(std::uint64_t seq, std::function<void()> done) {
  {
    std::lock_guard lock(mutex_);
    if (queue_callback(seq, done)) return;
  }
  done();
}

bool WalSync::queue_callback(std::uint64_t seq, std::function<void()>& done) {
  if (durable_ >= seq) return false;
  callbacks_.emplace_back(seq, std::move(done));
  wanted_ = std::max(wanted_, seq);
  if (flush_due()) work_.notify_one();
  return true;
}

void WalSync::flush_loop() {
  std::vector<std::function<void()>> ready;
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stop_ || flush_due(); });
    if (!flush_due()) return;  // stopping, and nothing asked for
    // One flush for everything written so far; what is written meanwhile
    // waits for the next one.
    const std::uint64_t target = written_;
    lock.unlock();
    if (fd_ < 0) fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    // fsync works per file, not per descriptor: our own descriptor of the
    // WAL flushes the frames SQLite wrote through its own.
    const int rc = fd_ >= 0 ? ::fdatasync(fd_) : -1;
    if (rc != 0) {
      const int err = errno;
      log::error("store.sqlite.flush_failed", {{"path", std::string_view(path_)},
                                               {"detail", std::string_view(std::strerror(err))}});
      std::abort();
    }
    lock.lock();
    durable_ = std::max(durable_, target);
    ++flushes_;
    while (!callbacks_.empty() && callbacks_.front().first <= durable_) {
      ready.push_back(std::move(callbacks_.front().second));
      callbacks_.pop_front();
    }
    flushed_.notify_all();
    if (!ready.empty()) {
      lock.unlock();
      for (auto& done : ready) done();
      ready.clear();
      lock.lock();
    }
  }
}

}  // namespace latchkey::store::sqlite
