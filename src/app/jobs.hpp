#pragma once
// The server's periodic jobs, each a named function registered with the
// scheduler by add_jobs. A new periodic job is a function here and one line
// in add_jobs.
#include "api/ops.hpp"
#include "app/scheduler.hpp"
#include "auth/audit_log.hpp"
#include "auth/key_bootstrap.hpp"
#include "auth/service.hpp"
#include "config/config.hpp"
#include "store/store.hpp"
#include "util/worker_pool.hpp"

namespace latchkey::app {

// What the jobs work on; all outlive the scheduler.
struct JobTargets {
  const config::Config& cfg;
  store::Store& store;
  auth::Service& service;
  auth::AuditLog& audit;
  api::Ops& ops;
  WorkerPool& pool;
  auth::KeyPolicy key_policy;
};

void add_jobs(Scheduler& scheduler, const JobTargets& t);

}  // namespace latchkey::app
