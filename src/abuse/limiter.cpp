#include "abuse/limiter.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include <chrono>
#include <thread>

#include <boost/asio/post.hpp>

#include "util/log.hpp"

namespace latchkey::abuse {

namespace {

// How often sync() prunes the store: counters that count nothing cost only room.
constexpr UnixSeconds kStorePruneEvery = 60;

// What a lone instance counts in memory alone: the rates it bumps on
// admission (the store holds failures only, for the CLI).
bool memory_only(Limit l) { return l == Limit::flood || l == Limit::signup; }

std::optional<Key> key_of(const store::LimitKey& k) {
  auto l = limit_named(k.limit);
  if (!l) return std::nullopt;
  return Key{*l, k.account, k.ip};
}

}  // namespace

Limiter::Limiter(Policies policies, store::LimitStore* store, bool shared, Hooks hooks)
    : policies_(policies), store_(store), shared_(shared && store), hooks_(std::move(hooks)), memory_(policies) {
  if (store_) writer_ = std::make_unique<boost::asio::thread_pool>(1);
}

Limiter::~Limiter() {
  if (writer_) writer_->join();
}

void Limiter::drain() {
  while (deferred_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

Verdict Limiter::refusal(Limit l, const store::LimitCounter& c, UnixSeconds now) {
  return Verdict{true, l, std::max<UnixSeconds>(1, c.retry_after(now))};
}

void Limiter::store_failed() {
  store_failures_.fetch_add(1, std::memory_order_relaxed);
  if (!store_down_.exchange(true))
    log::warn("limits.store_unavailable", {{"fallback", "counting in this instance's memory until it answers"}});
}

void Limiter::store_answered() {
  if (store_down_.load(std::memory_order_relaxed) && store_down_.exchange(false)) log::info("limits.store_back");
}

void Limiter::locked_by_event(const Key& k, const store::LimitCounter& c) {
  locks_[index_of(k.limit)].fetch_add(1, std::memory_order_relaxed);
  log::info("limits.locked", {{"limit", name_of(k.limit)},
                              {"ip", std::string_view(k.ip)},
                              {"count", c.count},
                              {"locked_until", c.locked_until}});
  if (hooks_.on_lock) hooks_.on_lock(k, c);
}

Limiter::Admission Limiter::admit(std::span<const Key> bumps, std::span<const Key> reads, UnixSeconds now) {
  if (!shared_) return admit_in_memory(bumps, reads, now);
  // One statement: the bumps, and the reads with the bumped keys after them
  // (a bump on a locked key does not count, and its lock is read instead).
  std::vector<store::LimitEvent> events;
  std::vector<Key> bumped;
  std::vector<store::LimitKey> keys;
  std::vector<std::size_t> read_at(reads.size(), SIZE_MAX);
  for (const Key& b : bumps) {
    if (!on(b.limit)) continue;
    events.push_back(event(b));
    bumped.push_back(b);
  }
  for (std::size_t i = 0; i < reads.size(); ++i) {
    if (!on(reads[i].limit)) continue;
    read_at[i] = keys.size();
    keys.push_back(reads[i].stored());
  }
  const std::size_t bumps_read_at = keys.size();
  for (const Key& b : bumped) keys.push_back(b.stored());
  if (events.empty() && bumps_read_at == 0) return {};
  auto got = store_->admit(events, keys, now);
  if (!got) {
    store_failed();
    return admit_in_memory(bumps, reads, now);
  }
  store_answered();
  Admission out;
  for (std::size_t i = 0; i < reads.size(); ++i) {
    if (read_at[i] == SIZE_MAX) continue;
    const store::LimitCounter c = store::current(got->read[read_at[i]], *policies_[index_of(reads[i].limit)], now);
    memory_.put(reads[i], c);  // the shared truth, read just now
    out.locked[i] = c.locked(now);
    out.counts[i] = c.count;
    out.retry_after[i] = c.retry_after(now);
  }
  for (std::size_t j = 0; j < bumped.size(); ++j) {
    const std::optional<store::LimitCounter>& r = got->bumped[j];
    const store::LimitCounter c = r ? *r : got->read[bumps_read_at + j];
    memory_.merge(bumped[j], c);
    if (r && r->locked(now)) locked_by_event(bumped[j], *r);
    if (c.locked(now) && !out.verdict.refused) out.verdict = refusal(bumped[j].limit, c, now);
  }
  return out;
}

Limiter::Admission Limiter::admit_in_memory(std::span<const Key> bumps, std::span<const Key> reads,
                                            UnixSeconds now) {
  Admission out;
  for (const Key& b : bumps) {
    if (!on(b.limit)) continue;
    auto r = memory_.hit(b, now);
    if (r && r->locked(now)) locked_by_event(b, *r);
    if (!out.verdict.refused && (!r || r->locked(now))) out.verdict = refusal(b.limit, memory_.get(b, now), now);
  }
  for (std::size_t i = 0; i < reads.size(); ++i) {
    if (!on(reads[i].limit)) continue;
    store::LimitCounter c = memory_.get(reads[i], now);
    // A lone instance's memory is the truth but for one thing: a lock the
    // CLI cleared in the store. Asked only on the way to a refusal.
    if (c.locked(now) && store_ && !shared_) {
      const store::LimitKey k = reads[i].stored();
      if (auto stored = store_->admit({}, std::span(&k, 1), now); stored && !stored->read[0].locked(now)) {
        c = store::current(stored->read[0], *policies_[index_of(reads[i].limit)], now);
        memory_.put(reads[i], c);
      }
    }
    out.locked[i] = c.locked(now);
    out.counts[i] = c.count;
    out.retry_after[i] = c.retry_after(now);
  }
  return out;
}

void Limiter::record(std::span<const Key> keys, UnixSeconds now) {
  std::vector<Key> counted;
  std::vector<std::optional<store::LimitCounter>> local;
  for (const Key& k : keys) {
    if (!on(k.limit)) continue;
    counted.push_back(k);
    local.push_back(memory_.hit(k, now));
  }
  if (counted.empty()) return;
  if (store_) {
    std::vector<store::LimitEvent> events;
    for (const Key& k : counted) events.push_back(event(k));
    if (auto stored = store_->hit(events, now)) {
      store_answered();
      for (std::size_t i = 0; i < counted.size(); ++i) {
        const auto& r = (*stored)[i];
        if (!r) continue;  // already locked there: it did not count
        memory_.merge(counted[i], *r);
        if (r->locked(now)) locked_by_event(counted[i], *r);
      }
      return;
    }
    store_failed();
  }
  for (std::size_t i = 0; i < counted.size(); ++i) {
    if (local[i] && local[i]->locked(now)) locked_by_event(counted[i], *local[i]);
  }
}

void Limiter::forget(const Key& k) {
  memory_.put(k, {});
  if (!store_) return;
  if (auto r = store_->clear({k.account, k.ip, std::string(name_of(k.limit))}); r) store_answered();
  else store_failed();
}

Verdict Limiter::peek(const Key& k, UnixSeconds now) const {
  if (!on(k.limit)) return {};
  const store::LimitCounter c = memory_.get(k, now);
  if (!c.locked(now)) return {};
  return Verdict{true, k.limit, std::max<UnixSeconds>(1, c.retry_after(now))};
}

void Limiter::record_soon(const Key& k, UnixSeconds now) {
  if (!on(k.limit)) return;
  auto local = memory_.hit(k, now);
  if (!store_ || deferred_.load() >= kMaxDeferred) {
    if (store_) log::warn("limits.write_queue_full", {{"limit", name_of(k.limit)}});
    if (local && local->locked(now)) locked_by_event(k, *local);
    return;
  }
  ++deferred_;
  boost::asio::post(*writer_, [this, k, now, local] {
    struct Done {
      std::atomic<std::size_t>& n;
      ~Done() { --n; }
    } done{deferred_};
    const store::LimitEvent e = event(k);
    if (auto stored = store_->hit(std::span(&e, 1), now)) {
      store_answered();
      if (const auto& r = (*stored)[0]) {
        memory_.merge(k, *r);
        if (r->locked(now)) locked_by_event(k, *r);
      }
      return;
    }
    store_failed();
    if (local && local->locked(now)) locked_by_event(k, *local);
  });
}

store::Result<std::vector<store::LimitRow>> Limiter::locks(const store::LimitFilter& f, UnixSeconds now) {
  if (!store_) return memory_.locked(f, now);
  auto rows = store_->locked(f, now);
  if (!rows) {
    store_failed();
    return memory_.locked(f, now);
  }
  store_answered();
  if (!shared_) {
    // A lone instance keeps its rates (flood, sign-ups) in memory alone.
    for (auto& r : memory_.locked(f, now)) {
      if (auto k = key_of(r.key); k && memory_only(k->limit)) rows->push_back(std::move(r));
    }
  }
  return rows;
}

store::Result<std::size_t> Limiter::clear(const store::LimitFilter& f) {
  if (f.account.empty() && f.ip.empty()) return 0;
  const std::size_t here = memory_.clear(f);
  if (!store_) return here;
  auto there = store_->clear(f);
  if (!there) {
    store_failed();
    return tl::unexpected(there.error());
  }
  store_answered();
  return std::max(here, *there);
}

void Limiter::sync(UnixSeconds now) {
  if (store_) {
    if (auto rows = store_->locked({}, now)) {
      store_answered();
      // Shared: the others' locks into this instance's view. Both: locks
      // an administrator ended (on any instance, or with the CLI) out of it.
      std::set<std::tuple<std::string, std::string, std::string>> there;
      for (const auto& r : *rows) {
        there.emplace(r.key.limit, r.key.account, r.key.ip);
        if (!shared_) continue;
        if (auto k = key_of(r.key)) memory_.merge(*k, r.counter);
      }
      for (const auto& r : memory_.locked({}, now)) {
        if (there.contains({r.key.limit, r.key.account, r.key.ip})) continue;
        auto k = key_of(r.key);
        // A lone instance keeps its rates in memory alone: never in the store.
        if (!k || (!shared_ && memory_only(k->limit))) continue;
        memory_.put(*k, {});
      }
    } else {
      store_failed();
    }
  }
  memory_.prune(now);
  if (store_ && now >= next_store_prune_.load()) {
    next_store_prune_ = now + kStorePruneEvery;
    UnixSeconds longest = 0;
    for (const auto& p : policies_) {
      if (p) longest = std::max(longest, p->window);
    }
    (void)store_->prune(now - longest, now);
  }
}

Limiter::Stats Limiter::stats(UnixSeconds now) const {
  Stats s;
  for (std::size_t i = 0; i < kLimits; ++i) {
    s.refused[i] = refused_[i].load(std::memory_order_relaxed);
    s.locks[i] = locks_[i].load(std::memory_order_relaxed);
  }
  s.locked = memory_.locks_by_class(now);
  s.store_failures = store_failures_.load(std::memory_order_relaxed);
  s.store_down = store_down_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace latchkey::abuse
