#pragma once
// What a store offers to run many calls as one unit of work on a single
// thread (see BatchLane): for SQLite, one transaction, one lock cycle and one
// disk flush for a whole queue of requests instead of one each.
#include <functional>

namespace latchkey {

class BatchHooks {
 public:
  virtual ~BatchHooks() = default;
  // Before a batch's first call, on the lane's thread.
  virtual void begin() = 0;
  // After each call: false when the batch can no longer commit (the
  // transaction was undone by an error); its remaining calls are not run.
  virtual bool intact() = 0;
  // After the last call: commits (or, if not `intact`, rolls back). True when
  // the batch's writes were committed.
  virtual bool end(bool intact) = 0;
  // Calls `done` once everything committed so far is durable: at once, or
  // later on another thread. Any thread may call it; callbacks run in the
  // order of the commits they wait for.
  virtual void when_durable(std::function<void()> done) = 0;
};

}  // namespace latchkey
