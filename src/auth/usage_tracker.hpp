#pragma once
// Remembers, in memory, when sessions were last used by an access token, so
// that `last_used_at` stays current without a database write on the
// authenticated hot path: at most one pending write per session per minute,
// flushed in batches by a periodic job.
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store.hpp"
#include "util/time.hpp"

namespace latchkey::auth {

class UsageTracker {
 public:
  static constexpr UnixSeconds kInterval = 60;

  // Cheap; safe from any thread.
  void note(std::string_view session_id, UnixSeconds now);
  // The writes due at `now`; forgets sessions idle for a minute.
  std::vector<store::Usage> take(UnixSeconds now);

 private:
  struct Entry {
    UnixSeconds noted = 0;  // when a write was last queued for this session
    UnixSeconds used = 0;   // the latest use seen
    bool pending = false;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

}  // namespace latchkey::auth
