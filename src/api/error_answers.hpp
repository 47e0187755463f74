#pragma once
// The one way from an auth failure to an HTTP answer: the status comes from
// the failure's kind (auth/errors.hpp), the code and message from the
// failure itself, with the configured limits in the messages; 401s carry a
// WWW-Authenticate challenge (RFC 6750), 503s a Retry-After.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "auth/errors.hpp"
#include "auth/options.hpp"
#include "http/message.hpp"

namespace latchkey::api {

// The HTTP status of every failure of a kind.
unsigned status_of(auth::ErrorKind kind);

class ErrorAnswers {
 public:
  // Messages that name a limit say the configured one.
  explicit ErrorAnswers(std::size_t max_username_chars = 64, std::size_t max_password_bytes = 1024);
  explicit ErrorAnswers(const auth::Options& limits)
      : ErrorAnswers(limits.max_username_chars, limits.max_password_bytes) {}

  http::Response operator()(auth::AuthError e) const;

 private:
  std::string username_invalid_;
  std::string password_too_long_;
};

// `r` with Retry-After: `seconds` when an abuse limit refused (seconds > 0).
inline http::Response with_retry_after(http::Response r, UnixSeconds seconds) {
  if (seconds > 0) r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

// Runs the one unwrapping every handler needs: no result (a full lane) is
// `unavailable`, a failure its answer, a value `ok(value)`'s answer.
template <class T, class Ok>
http::Response reply(const ErrorAnswers& errors, std::optional<auth::Expected<T>>& result, Ok ok) {
  if (!result) return errors(auth::AuthError::unavailable);
  if (!*result) return errors(result->error());
  if constexpr (std::is_void_v<T>) {
    return ok();
  } else {
    return ok(**result);
  }
}

template <class T, class Ok>
http::Response reply(const ErrorAnswers& errors, auth::Expected<T>& result, Ok ok) {
  if (!result) return errors(result.error());
  if constexpr (std::is_void_v<T>) {
    return ok();
  } else {
    return ok(*result);
  }
}

}  // namespace latchkey::api
