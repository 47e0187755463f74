#include "util/worker_pool.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace latchkey {

void WorkerLane::lower_priority_once() const {
  thread_local bool done = false;
  if (done || nice_ == 0) return;
  done = true;
  // Linux applies PRIO_PROCESS with a thread id to that thread alone.
  // Raising niceness needs no privilege; failure only costs fairness.
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  const int current = ::getpriority(PRIO_PROCESS, tid);
  (void)::setpriority(PRIO_PROCESS, tid, current + nice_);
}

}  // namespace latchkey
