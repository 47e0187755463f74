#include "auth/replay_cache.hpp"

namespace latchkey::auth {

void ReplayCache::evict(UnixSeconds now) {
  // Insertion order is expiry order (one window for all), so this is O(1)
  // per entry ever inserted.
  while (!order_.empty() && (order_.front().second < now || entries_.size() >= capacity_)) {
    auto it = entries_.find(order_.front().first);
    // A key re-recorded after its window closed has a later `until`: keep it.
    if (it != entries_.end() && it->second.until == order_.front().second) entries_.erase(it);
    order_.pop_front();
  }
}

std::string ReplayCache::remember(std::string_view refresh_digest, std::string candidate,
                                  UnixSeconds now) {
  std::lock_guard lock(mutex_);
  evict(now);
  std::string key(refresh_digest);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.until >= now) return it->second.access_token;
  const UnixSeconds until = now + window_ + 1;
  if (it != entries_.end()) {
    it->second = Entry{std::move(candidate), until};
  } else {
    it = entries_.emplace(key, Entry{std::move(candidate), until}).first;
  }
  order_.emplace_back(std::move(key), until);
  return it->second.access_token;
}

std::size_t ReplayCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace latchkey::auth
