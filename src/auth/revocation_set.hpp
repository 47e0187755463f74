#pragma once
// Session ids whose access tokens must be refused before they expire.
// Consulted on every authenticated request, so lookups take a shared lock
// and touch no database. An entry is dropped once every access token of its
// session has expired (revoked_at + access TTL + leeway): the set stays
// bounded by the logouts of one access-token lifetime.
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/time.hpp"

namespace latchkey::auth {

class RevocationSet {
 public:
  bool contains(std::string_view session_id) const;
  // `forget_after`: the moment no access token of the session can still be valid.
  void add(std::string_view session_id, UnixSeconds forget_after);
  // Drops entries whose tokens have all expired.
  void prune(UnixSeconds now);
  std::size_t size() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, UnixSeconds, Hash, std::equal_to<>> entries_;
  UnixSeconds next_prune_ = 0;
};

}  // namespace latchkey::auth
