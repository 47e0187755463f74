#include "net/http_client.hpp"

#include "http/form.hpp"

#include <curl/curl.h>

#include "net/curl_support.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace latchkey::net {

namespace {

using curl::initialised;
using curl::one_line;
using curl::ResetAtEnd;
using curl::thread_handle;
using Headers = curl::Slist;

// Where the response body goes: its first kBodyPrefix bytes kept, the rest
// counted against the limit.
struct Sink {
  std::string prefix;
  std::size_t total = 0;
  std::size_t max = 0;
  bool too_long = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t n = size * count;
  if (n > sink->max - std::min(sink->total, sink->max)) {
    sink->too_long = true;
    return 0;  // anything but n: libcurl stops with CURLE_WRITE_ERROR
  }
  sink->total += n;
  if (sink->prefix.size() < kBodyPrefix) sink->prefix.append(data, std::min(n, kBodyPrefix - sink->prefix.size()));
  return n;
}


tl::unexpected<std::string> fail(std::string reason) { return tl::unexpected(std::move(reason)); }

}  // namespace

void global_init() {
  if (!initialised()) throw std::runtime_error("libcurl could not be initialised");
}

tl::expected<PostResult, std::string> post_form(std::string_view url, std::string_view form_body,
                                                const PostOptions& options) {
  if (!initialised()) return fail("libcurl is not initialised");
  // An explicit scheme, checked here as well as by CURLOPT_PROTOCOLS_STR
  // below: libcurl would take a URL without one as http.
  if (!curl::starts_with_icase(url, "http://") && !curl::starts_with_icase(url, "https://"))
    return fail("only http and https URLs are posted to");

  CURL* h = thread_handle();
  if (h == nullptr) return fail("libcurl could not make a handle");

  const std::string url_z(url);  // libcurl copies string options, and wants them NUL-terminated
  Headers headers;
  for (const char* field : {
           "Content-Type: application/x-www-form-urlencoded",
           // No "Expect: 100-continue" (libcurl adds it to large bodies):
           // a receiver that does not answer it would cost a second's wait.
           "Expect:",
       }) {
    if (!curl::append(headers, field)) return fail("out of memory");
  }
  Sink sink;
  sink.max = options.max_response;
  char error_buffer[CURL_ERROR_SIZE] = {};
  const ResetAtEnd reset{h};  // after the buffers it points the handle at: reset before they go

  // Each option through curl_easy_setopt itself, whose macros check the
  // value's type at compile time; the first refusal is kept.
  CURLcode set = CURLE_OK;
  auto keep = [&set](CURLcode c) {
    if (set == CURLE_OK) set = c;
  };
  keep(curl_easy_setopt(h, CURLOPT_URL, url_z.c_str()));
  // Only http and https, for the request and for any redirect: a URL given
  // by a client must not make the server read files (file://), send mail or
  // talk to other services (gopher://, dict://, ...).
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0
  keep(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
  keep(curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"));
#else
  keep(curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS)));
  keep(curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS)));
#endif
  // Redirects: see PostOptions::follow_redirects. When on, a few at most.
  keep(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, options.follow_redirects ? 1L : 0L));
  keep(curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L));
  // TLS: the receiver's certificate is checked against the system's CAs and
  // must name the host (libcurl's defaults, set so that nothing unsets them).
  keep(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
  keep(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
  // Timeouts are the only bound on a slow receiver. NOSIGNAL: libcurl must
  // not use SIGALRM for them in a threaded program (its resolver here is the
  // threaded one, which honours the timeouts without signals).
  keep(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
  // At least 1 ms: 0 would mean no limit at all to libcurl.
  const long connect_ms = std::max(1L, static_cast<long>(options.connect_timeout.count()));
  const long total_ms = std::max(1L, static_cast<long>(options.timeout.count()));
  keep(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms));
  keep(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms));
  // The request: a POST of the form as given (libcurl does not copy it; it
  // outlives perform).
  keep(curl_easy_setopt(h, CURLOPT_POST, 1L));
  keep(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(form_body.size())));
  keep(curl_easy_setopt(h, CURLOPT_POSTFIELDS, form_body.data()));
  keep(curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get()));
  keep(curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str()));
  // The response: no Accept-Encoding is sent, so nothing is decompressed (a
  // small compressed body cannot become a large one); a Content-Length over
  // the limit is refused before the body is read, and the sink counts the rest.
  keep(curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_response)));
  keep(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body));
  keep(curl_easy_setopt(h, CURLOPT_WRITEDATA, static_cast<void*>(&sink)));
  // Left as libcurl has them: proxies from the environment (http_proxy,
  // https_proxy, no_proxy), as for any outbound client of the host.
  // The reason for a failure, in words, for the caller's one-line error.
  keep(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer));
  if (set != CURLE_OK) return fail(std::string("libcurl refused an option: ") + curl_easy_strerror(set));

  const CURLcode code = curl_easy_perform(h);
  if (sink.too_long || code == CURLE_FILESIZE_EXCEEDED)
    return fail("response longer than " + std::to_string(options.max_response) + " bytes");
  if (code != CURLE_OK) {
    const std::string_view words = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    return fail(one_line(words));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  return PostResult{status, std::move(sink.prefix)};
}

std::string form_encode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  http::percent_encode(s, out);
  return out;
}

}  // namespace latchkey::net
