#pragma once
// The database as a whole, beneath the aggregates: readiness, units of work,
// and moving a deployment's content between backends.
#include <functional>

#include "store/records.hpp"
#include "store/result.hpp"
#include "util/batch_hooks.hpp"

namespace latchkey::store {

class Database {
 public:
  virtual ~Database() = default;

  // Readiness: one cheap query that reads the database. Blocking.
  virtual Result<void> ping() = 0;

  // For a database with a single writer: hooks to run many calls from one
  // thread as one unit (see util/batch_lane.hpp); the server then sends all
  // its database work through one such thread. Null: calls may come from any
  // number of threads at once, each a unit of its own.
  virtual BatchHooks* batching() { return nullptr; }
  // Runs `f` once the writes this call has made so far are committed (true)
  // or undone (false): for effects outside the database (a revocation held in
  // memory) that must not outlive a write that failed. Outside a batch that
  // is at once, with true: there each write commits before it returns.
  virtual void after_commit(std::function<void(bool committed)> f) { f(true); }

  // The whole content, and its import into an empty database (one
  // transaction; conflict when it holds users or sessions). Blocking.
  virtual Result<Snapshot> export_all() = 0;
  virtual Result<void> import_all(const Snapshot& snapshot) = 0;
};

}  // namespace latchkey::store
