#include "util/worker_pool.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace latchkey {

void WorkerLane::lower_priority_once() const {
  thread_local bool done = false;
  if (done || nice_ == 0) return;
  done = true;
  // Linux applies PRIO_PROCESS with a thread id to that thread alone, and
  // raising one's niceness needs no privilege; failure only costs latency.
  // Not SCHED_IDLE: a hashing thread also takes locks (the database
  // connection's, the logger's) and must not starve while holding one.
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  (void)::setpriority(PRIO_PROCESS, tid, nice_);
}

}  // namespace latchkey
