#include "auth/revocation_set.hpp"

#include <mutex>

namespace latchkey::auth {

bool RevocationSet::contains(std::string_view session_id) const {
  std::shared_lock lock(mutex_);
  return entries_.find(session_id) != entries_.end();
}

void RevocationSet::add(std::string_view session_id, UnixSeconds forget_after) {
  std::unique_lock lock(mutex_);
  auto [it, inserted] = entries_.try_emplace(std::string(session_id), forget_after);
  if (!inserted && it->second < forget_after) it->second = forget_after;
}

void RevocationSet::prune(UnixSeconds now) {
  std::unique_lock lock(mutex_);
  if (now < next_prune_) return;
  next_prune_ = now + 60;
  std::erase_if(entries_, [now](const auto& e) { return e.second < now; });
}

std::size_t RevocationSet::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

}  // namespace latchkey::auth
