#pragma once
// Wall-clock time in whole seconds, as stored in the database and in JWT claims.
#include <cstdint>
#include <functional>
#include <string>

namespace latchkey {

using UnixSeconds = std::int64_t;

// Injected wherever expiry is decided, so tests can move time.
using Clock = std::function<UnixSeconds()>;

UnixSeconds now_unix();

// "2026-11-24T01:13:00Z"
std::string format_rfc3339(UnixSeconds t);

}  // namespace latchkey
