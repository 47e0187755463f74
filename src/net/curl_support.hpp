#pragma once
// What the outbound clients (http_client, smtp_client) share of libcurl:
// its global state, one easy handle per thread, and errors as one line.
#include <curl/curl.h>

#include <memory>
#include <string>
#include <string_view>

namespace latchkey::net::curl {

inline constexpr std::size_t kMaxReason = 200;

// libcurl's global state, set up once whoever comes first (global_init at
// start-up, or the first call).
bool initialised();

struct SlistCleanup {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistCleanup>;

// Appends `line` to `list`; false when out of memory (the list is kept).
bool append(Slist& list, const char* line);

// This thread's handle, created on first use (null when libcurl cannot make
// one). Reusing it keeps libcurl's connection and TLS session caches: a
// batch of calls to one receiver opens one connection. Options do not carry
// over from one call to the next (each resets the handle when it is done).
CURL* thread_handle();

// Resets the handle when a call ends, however it ends: the next call starts
// from libcurl's defaults, and no pointer into this call's buffers stays set on it.
struct ResetAtEnd {
  CURL* h;
  ~ResetAtEnd() { curl_easy_reset(h); }
};

// `s` begins with `prefix` (lower-case ASCII), whatever the case of `s`: a URL's scheme.
bool starts_with_icase(std::string_view s, std::string_view prefix);

// libcurl's message on one line, short: control characters become spaces.
std::string one_line(std::string_view message);

// The reason for a failed perform: the error buffer when libcurl filled it,
// else its code's description.
std::string reason(CURLcode code, const char* error_buffer);

}  // namespace latchkey::net::curl
