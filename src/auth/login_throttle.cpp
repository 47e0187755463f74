#include "auth/login_throttle.hpp"

#include <algorithm>

namespace latchkey::auth {

namespace {
std::string pair_key(std::string_view account, std::string_view ip) {
  std::string k(account);
  k.push_back('\0');
  k.append(ip);
  return k;
}
}  // namespace

bool LoginThrottle::locked(std::string_view account, std::string_view ip, UnixSeconds now) {
  std::lock_guard lock(mutex_);
  if (auto a = accounts_.find(std::string(account)); a != accounts_.end() && a->second.locked_until > now)
    return true;
  auto p = pairs_.find(pair_key(account, ip));
  return p != pairs_.end() && p->second.locked_until > now;
}

void LoginThrottle::failure(std::string_view account, std::string_view ip, UnixSeconds now) {
  std::lock_guard lock(mutex_);
  if (now >= next_prune_) prune(now);
  Pair& p = pairs_[pair_key(account, ip)];
  p.last = now;
  if (++p.failures > policy_.free_failures) {
    const int doublings = std::min(p.failures - policy_.free_failures - 1, 20);
    p.locked_until = now + std::min(policy_.max_lock, policy_.base_lock << doublings);
  }
  if (policy_.account_failures <= 0) return;
  Account& a = accounts_[std::string(account)];
  if (now - a.window_start >= policy_.account_window) {
    a.window_start = now;
    a.failures = 0;
  }
  if (++a.failures >= policy_.account_failures) a.locked_until = now + policy_.account_lock;
}

void LoginThrottle::success(std::string_view account, std::string_view ip) {
  std::lock_guard lock(mutex_);
  pairs_.erase(pair_key(account, ip));
}

void LoginThrottle::prune(UnixSeconds now) {
  next_prune_ = now + 60;
  std::erase_if(pairs_, [&](const auto& e) {
    return e.second.locked_until <= now && now - e.second.last > policy_.max_lock;
  });
  std::erase_if(accounts_, [&](const auto& e) {
    return e.second.locked_until <= now && now - e.second.window_start > policy_.account_window;
  });
}

}  // namespace latchkey::auth
