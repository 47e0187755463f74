#pragma once
// The access token issued with a freshly rotated refresh token, by that
// refresh token's digest, for the grace window: a replay (a retry, a second
// tab) answers the very same access token even where signatures are
// randomised (ES256), and concurrent refreshes agree on one. Bounded: entries
// leave when their window closes or, under a refresh flood, oldest first
// once `capacity` is reached; a replay that misses gets the same claims
// freshly signed, as it would from another instance.
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/time.hpp"

namespace latchkey::auth {

class ReplayCache {
 public:
  ReplayCache(std::size_t capacity, UnixSeconds window) : capacity_(capacity), window_(window) {}

  // The access token already recorded for `refresh_digest` if its window is
  // still open; otherwise records `candidate` and returns it.
  std::string remember(std::string_view refresh_digest, std::string candidate, UnixSeconds now);
  std::size_t size() const;

 private:
  struct Entry {
    std::string access_token;
    UnixSeconds until;
  };
  void evict(UnixSeconds now);  // with mutex_ held

  const std::size_t capacity_;
  const UnixSeconds window_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::pair<std::string, UnixSeconds>> order_;  // insertion order, with each `until`
};

}  // namespace latchkey::auth
