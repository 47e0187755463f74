#include "util/batch_lane.hpp"

#include <atomic>

namespace latchkey {

BatchLane::BatchLane(BatchHooks& hooks, std::size_t max_pending, std::size_t max_batch)
    : LaneStats(max_pending), hooks_(hooks), max_batch_(max_batch > 0 ? max_batch : 1) {
  thread_ = std::thread([this] { loop(); });
}

BatchLane::~BatchLane() { join(); }

void BatchLane::submit(std::unique_ptr<JobBase> job) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void BatchLane::join() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  std::unique_lock lock(mutex_);
  answered_.wait(lock, [&] { return unanswered_ == 0; });
}

void BatchLane::loop() {
  for (;;) {
    Batch batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      if (queue_.size() <= max_batch_) {
        batch.swap(queue_);
      } else {
        for (std::size_t i = 0; i < max_batch_; ++i) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      ++unanswered_;
    }
    run_batch(std::move(batch));
  }
}

void BatchLane::run_batch(Batch batch) {
  hooks_.begin();
  std::size_t ran = 0;
  bool intact = hooks_.intact();
  while (intact && ran < batch.size()) {
    batch[ran++]->run();
    intact = hooks_.intact();
  }
  const bool committed = hooks_.end(intact);
  // Each job is answered once: those of a batch that could not commit at
  // once (nullopt: 503), including those not run after it broke; the others
  // at the commit or once it is on disk, as each asked.
  auto answer = [](Batch& jobs, bool durable, Durability which) {
    for (auto& job : jobs)
      if (!durable || job->answered() == which) job->finish(durable);
  };
  auto done = [this] {
    // Notified under the lock: once join() sees none left it may destroy the lane.
    std::lock_guard lock(mutex_);
    --unanswered_;
    answered_.notify_all();
  };
  if (!committed) {
    answer(batch, false, Durability::flushed);
    done();
    return;
  }
  // The flushed ones are answered once both the flush and the jobs'
  // after-commit work are done; so is the flush of those answered at the commit.
  struct Answering {
    Batch jobs;
    std::shared_ptr<BatchFlush::State> flush;
    std::atomic<int> waiting{2};
  };
  auto state = std::make_shared<Answering>();
  state->jobs = std::move(batch);
  for (const auto& job : state->jobs) {
    if (job->answered() == Durability::committed) {
      state->flush = std::make_shared<BatchFlush::State>();
      break;
    }
  }
  auto one_done = [answer, done, state] {
    if (state->waiting.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    answer(state->jobs, true, Durability::flushed);
    if (state->flush) state->flush->complete();
    done();
  };
  // Registered on this thread right after the commit: this batch's flush,
  // not a later one's.
  hooks_.when_durable(one_done);
  for (auto& job : state->jobs) {
    if (job->answered() == Durability::committed) {
      job->after(state->flush);
      job->finish(true);
    } else {
      job->after(nullptr);
    }
  }
  one_done();
}

void BatchFlush::State::when_done(std::function<void()> f) {
  {
    std::lock_guard lock(mutex);
    if (!done) {
      waiting.push_back(std::move(f));
      return;
    }
  }
  f();
}

void BatchFlush::State::complete() {
  std::vector<std::function<void()>> now;
  {
    std::lock_guard lock(mutex);
    done = true;
    now.swap(waiting);
  }
  for (auto& f : now) f();
}

}  // namespace latchkey
