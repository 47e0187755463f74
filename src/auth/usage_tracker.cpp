#include "auth/usage_tracker.hpp"

namespace latchkey::auth {

void UsageTracker::note(std::string_view session_id, UnixSeconds now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(session_id);
  if (it == entries_.end()) {
    entries_.emplace(std::string(session_id), Entry{now, now, true});
    return;
  }
  Entry& e = it->second;
  if (now > e.used) e.used = now;
  if (!e.pending && now - e.noted >= kInterval) {
    e.pending = true;
    e.noted = now;
  }
}

std::vector<store::Usage> UsageTracker::take(UnixSeconds now) {
  std::lock_guard lock(mutex_);
  std::vector<store::Usage> out;
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    if (e.pending) {
      out.push_back(store::Usage{it->first, e.used});
      e.pending = false;
      e.noted = e.used;
      ++it;
    } else if (now - e.noted >= kInterval) {
      // Quiet for a minute: write the last use seen (if newer) and forget it.
      if (e.used > e.noted) out.push_back(store::Usage{it->first, e.used});
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

}  // namespace latchkey::auth
