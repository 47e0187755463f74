#include "abuse/memory_counters.hpp"

namespace latchkey::abuse {

std::string MemoryCounters::id_of(const Key& k) {
  // Unit separators: neither names nor addresses hold one.
  std::string id(name_of(k.limit));
  id.push_back('\x1f');
  id += k.account;
  id.push_back('\x1f');
  id += k.ip;
  return id;
}

bool MemoryCounters::matches(const store::LimitFilter& f, const Key& k) {
  if (f.account.empty() && f.ip.empty()) return false;
  return (f.account.empty() || f.account == k.account) && (f.ip.empty() || f.ip == k.ip) &&
         (f.limit.empty() || f.limit == name_of(k.limit));
}

std::optional<store::LimitCounter> MemoryCounters::hit(const Key& k, UnixSeconds now) {
  const auto& policy = policies_[index_of(k.limit)];
  if (!policy) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_counters_ && now >= next_prune_) {
    next_prune_ = now + 1;
    prune_locked(now);
  }
  auto [it, fresh] = entries_.try_emplace(id_of(k), Entry{k, {}});
  if (!store::hit(it->second.counter, *policy, now)) return std::nullopt;
  return it->second.counter;
}

store::LimitCounter MemoryCounters::get(const Key& k, UnixSeconds now) const {
  const auto& policy = policies_[index_of(k.limit)];
  if (!policy) return {};
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id_of(k));
  return it == entries_.end() ? store::LimitCounter{} : store::current(it->second.counter, *policy, now);
}

void MemoryCounters::put(const Key& k, const store::LimitCounter& c) {
  std::lock_guard lock(mutex_);
  if (c == store::LimitCounter{}) {
    entries_.erase(id_of(k));
    return;
  }
  entries_.insert_or_assign(id_of(k), Entry{k, c});
}

void MemoryCounters::merge(const Key& k, const store::LimitCounter& c) {
  std::lock_guard lock(mutex_);
  auto [it, fresh] = entries_.try_emplace(id_of(k), Entry{k, c});
  if (fresh) return;
  const store::LimitCounter& held = it->second.counter;
  const bool older = c.window_start < held.window_start ||
                     (c.window_start == held.window_start && c.count < held.count);
  if (!older) it->second.counter = c;
}

std::size_t MemoryCounters::clear(const store::LimitFilter& f) {
  std::lock_guard lock(mutex_);
  return std::erase_if(entries_, [&](const auto& e) { return matches(f, e.second.key); });
}

std::vector<store::LimitRow> MemoryCounters::locked(const store::LimitFilter& f, UnixSeconds now) const {
  const bool any = f.account.empty() && f.ip.empty();
  std::vector<store::LimitRow> out;
  std::lock_guard lock(mutex_);
  for (const auto& [id, e] : entries_) {
    if (!e.counter.locked(now)) continue;
    if (!any && !matches(f, e.key)) continue;
    if (any && !f.limit.empty() && f.limit != name_of(e.key.limit)) continue;
    out.push_back({e.key.stored(), e.counter});
  }
  return out;
}

std::array<std::size_t, kLimits> MemoryCounters::locks_by_class(UnixSeconds now) const {
  std::array<std::size_t, kLimits> n{};
  std::lock_guard lock(mutex_);
  for (const auto& [id, e] : entries_) {
    if (e.counter.locked(now)) ++n[index_of(e.key.limit)];
  }
  return n;
}

void MemoryCounters::prune(UnixSeconds now) {
  std::lock_guard lock(mutex_);
  prune_locked(now);
}

void MemoryCounters::prune_locked(UnixSeconds now) {
  std::erase_if(entries_, [&](const auto& e) {
    const auto& policy = policies_[index_of(e.second.key.limit)];
    return !policy || store::current(e.second.counter, *policy, now) == store::LimitCounter{};
  });
}

std::size_t MemoryCounters::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace latchkey::abuse
