#include "net/curl_support.hpp"

#include <algorithm>

namespace latchkey::net::curl {

bool initialised() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

bool append(Slist& list, const char* line) {
  curl_slist* head = curl_slist_append(list.get(), line);  // the same head once there is one
  if (head == nullptr) return false;
  (void)list.release();
  list.reset(head);
  return true;
}

namespace {
struct HandleCleanup {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
}  // namespace

CURL* thread_handle() {
  thread_local std::unique_ptr<CURL, HandleCleanup> handle;
  if (!handle) handle.reset(curl_easy_init());
  return handle.get();
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != prefix[i]) return false;
  }
  return true;
}

std::string one_line(std::string_view message) {
  std::string out;
  out.reserve(std::min(message.size(), kMaxReason));
  for (char c : message.substr(0, kMaxReason)) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7f ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string reason(CURLcode code, const char* error_buffer) {
  if (error_buffer != nullptr && error_buffer[0] != '\0') return one_line(error_buffer);
  return one_line(curl_easy_strerror(code));
}

}  // namespace latchkey::net::curl
