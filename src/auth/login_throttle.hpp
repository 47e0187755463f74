#pragma once
// Slows down password guessing against one account (ASVS 6.3.1) without
// letting an attacker lock the owner out:
//  - per account and client IP: the first `free_failures` failures cost
//    nothing; each one after locks that pair for base_lock * 2^(n - free),
//    at most max_lock. Other devices of the owner are not affected.
//  - per account, from all IPs together: `account_failures` failures within
//    `account_window` lock the account for `account_lock` (a distributed
//    attack), a far higher threshold so one attacker cannot lock everyone out.
// Locks expire by themselves; a success clears the pair's count. In memory,
// per instance.
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/time.hpp"

namespace latchkey::auth {

struct ThrottlePolicy {
  int free_failures = 5;
  UnixSeconds base_lock = 30;
  UnixSeconds max_lock = 15 * 60;
  int account_failures = 100;  // 0 disables the account-wide lock
  UnixSeconds account_window = 15 * 60;
  UnixSeconds account_lock = 15 * 60;
};

class LoginThrottle {
 public:
  explicit LoginThrottle(ThrottlePolicy policy = {}) : policy_(policy) {}

  // Whether a login for `account` from `ip` must be refused at `now`.
  bool locked(std::string_view account, std::string_view ip, UnixSeconds now);
  void failure(std::string_view account, std::string_view ip, UnixSeconds now);
  void success(std::string_view account, std::string_view ip);

 private:
  struct Pair {
    int failures = 0;
    UnixSeconds locked_until = 0;
    UnixSeconds last = 0;
  };
  struct Account {
    int failures = 0;
    UnixSeconds window_start = 0;
    UnixSeconds locked_until = 0;
  };
  void prune(UnixSeconds now);

  ThrottlePolicy policy_;
  std::mutex mutex_;
  std::unordered_map<std::string, Pair> pairs_;
  std::unordered_map<std::string, Account> accounts_;
  UnixSeconds next_prune_ = 0;
};

}  // namespace latchkey::auth
