#include "net/smtp_client.hpp"

#include <algorithm>

#include <sys/socket.h>
#include <unistd.h>

#include "net/curl_support.hpp"

namespace latchkey::net {

namespace {

// What libcurl reads the message from.
struct Source {
  std::string_view rest;
};

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* src = static_cast<Source*>(user);
  const std::size_t n = std::min(size * count, src->rest.size());
  std::copy_n(src->rest.data(), n, buffer);
  src->rest.remove_prefix(n);
  return n;
}

// libcurl's progress callback, at least once a second: non-zero aborts.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const SmtpCancel*>(user)->requested() ? 1 : 0;
}

// The socket's life, told to the cancel: it may shut it down meanwhile.
int on_sockopt(void* user, curl_socket_t fd, curlsocktype) {
  static_cast<SmtpCancel*>(user)->opened(fd);
  return CURL_SOCKOPT_OK;
}

int on_close(void* user, curl_socket_t fd) {
  static_cast<SmtpCancel*>(user)->closed(fd);
  return ::close(fd);
}


tl::unexpected<std::string> fail(std::string reason) { return tl::unexpected(std::move(reason)); }

}  // namespace

void SmtpCancel::cancel() {
  requested_.store(true, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);
}

void SmtpCancel::opened(int fd) {
  std::lock_guard lock(mutex_);
  socket_ = fd;
  if (requested_.load(std::memory_order_relaxed)) ::shutdown(fd, SHUT_RDWR);
}

void SmtpCancel::closed(int fd) {
  // Under the lock: cancel() never shuts down a descriptor number that was
  // closed and given to someone else meanwhile.
  std::lock_guard lock(mutex_);
  if (socket_ == fd) socket_ = -1;
}

bool loopback_url(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view host = url.substr(scheme + 3);
  host = host.substr(0, host.find('/'));
  if (const std::size_t at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1) == "[::1]";
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host.starts_with("127.");
}

tl::expected<void, std::string> smtp_send(const SmtpOptions& options, std::string_view sender,
                                        std::string_view recipient, std::string_view message) {
  if (!curl::initialised()) return fail("libcurl is not initialised");
  const bool implicit_tls = curl::starts_with_icase(options.url, "smtps://");
  if (!implicit_tls && !curl::starts_with_icase(options.url, "smtp://")) return fail("SMTP_URL must be smtp:// or smtps://");
  CURL* h = curl::thread_handle();
  if (h == nullptr) return fail("libcurl could not make a handle");

  // libcurl copies string options, and wants them NUL-terminated.
  // Appended, not a chain of operator+ (GCC 12's false -Wstringop-overflow).
  std::string from = "<";
  from.append(sender).append(">");
  std::string to = "<";
  to.append(recipient).append(">");
  curl::Slist recipients;
  if (!curl::append(recipients, to.c_str())) return fail("out of memory");
  Source source{message};
  char error_buffer[CURL_ERROR_SIZE] = {};
  const curl::ResetAtEnd reset{h};

  CURLcode set = CURLE_OK;
  auto keep = [&set](CURLcode c) {
    if (set == CURLE_OK) set = c;
  };
  keep(curl_easy_setopt(h, CURLOPT_URL, options.url.c_str()));
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0
  keep(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps"));
#else
  keep(curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_SMTP | CURLPROTO_SMTPS)));
#endif
  // STARTTLS required on smtp:// (CURLUSESSL_ALL: a relay that does not
  // offer it fails the send, rather than being sent to in clear).
  if (!implicit_tls && options.starttls) keep(curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL)));
  keep(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
  keep(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
  if (!options.ca_file.empty()) keep(curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str()));
  if (!options.username.empty()) {
    keep(curl_easy_setopt(h, CURLOPT_USERNAME, options.username.c_str()));
    keep(curl_easy_setopt(h, CURLOPT_PASSWORD, options.password.c_str()));
  }
  keep(curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str()));
  keep(curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get()));
  keep(curl_easy_setopt(h, CURLOPT_UPLOAD, 1L));
  keep(curl_easy_setopt(h, CURLOPT_READFUNCTION, &on_read));
  keep(curl_easy_setopt(h, CURLOPT_READDATA, static_cast<void*>(&source)));
  keep(curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size())));
  keep(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
  keep(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::max(1L, static_cast<long>(options.connect_timeout.count()))));
  keep(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, std::max(1L, static_cast<long>(options.timeout.count()))));
  keep(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer));
  if (options.cancel != nullptr) {
    if (options.cancel->requested()) return fail("the server is stopping");
    void* cancel = static_cast<void*>(options.cancel);
    keep(curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress));
    keep(curl_easy_setopt(h, CURLOPT_XFERINFODATA, cancel));
    keep(curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L));
    keep(curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, &on_sockopt));
    keep(curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, cancel));
    keep(curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, &on_close));
    keep(curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, cancel));
  }
  if (set != CURLE_OK) return fail("libcurl refused an option: " + curl::one_line(curl_easy_strerror(set)));

  const CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OK) return {};
  long reply = 0;
  (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  std::string reason = curl::reason(code, error_buffer);
  if (reply != 0) {
    reason += " (reply ";
    reason += std::to_string(reply);
    reason += ')';
  }
  return fail(std::move(reason));
}

}  // namespace latchkey::net
