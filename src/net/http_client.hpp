#pragma once
// Outbound HTTP: a small blocking client over libcurl's easy interface, for
// the few calls the server makes to other parties (OpenID Connect
// Back-Channel Logout 1.0's logout tokens). Every call BLOCKS for up to the
// options' timeout: never call it on an I/O thread, only on a lane or a
// thread of its own (the scheduler's, a worker pool's).
//
// Safe from any thread: each thread reuses one curl handle of its own (so
// connections and TLS sessions to the same receiver are kept between calls),
// and libcurl's global state is set up once, by global_init() or the first call.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace latchkey::net {

struct PostOptions {
  // A receiver that does not accept a connection in 2 s is down or filtered:
  // waiting longer only holds the caller's thread.
  std::chrono::milliseconds connect_timeout{2000};
  // The whole exchange (resolution, connection, TLS, request, response). The
  // one bound on how long a slow or malicious receiver can hold the caller.
  std::chrono::milliseconds timeout{5000};
  // The most response body read; a longer one is an error (nobody the
  // server talks to has a reason to answer at length; a receiver must not
  // fill our memory).
  std::size_t max_response = 64 * 1024;
  // Off: Back-Channel Logout 1.0 section 2.5 says the OP must not follow
  // redirects, and a redirect could point the server at a host of the
  // receiver's choosing (an internal one, say).
  bool follow_redirects = false;
  std::string user_agent = "latchkey";
};

struct PostResult {
  long status = 0;          // the HTTP status code, whatever it is (3xx, 4xx, 5xx too)
  std::string body_prefix;  // at most kBodyPrefix bytes of the response body
};

inline constexpr std::size_t kBodyPrefix = 512;

// libcurl's global initialisation, once per process; call at start-up,
// before threads that post exist (later calls do nothing). Throws
// std::runtime_error when libcurl cannot initialise (a start-up failure).
void global_init();

// POSTs `form_body` (already application/x-www-form-urlencoded; see
// form_encode) to `url` (http or https only; TLS certificates and host names
// verified). The answer whatever its status; the error is a one-line reason
// (a timeout, a refused connection, a bad certificate, a refused scheme, a
// response too long) that never holds the body sent, fit for logs and for a
// stored last_error.
tl::expected<PostResult, std::string> post_form(std::string_view url, std::string_view form_body,
                                                const PostOptions& options = {});

// `s` percent-encoded for a form field's name or value: every byte but
// RFC 3986's unreserved characters (ALPHA DIGIT - . _ ~) as %XX.
std::string form_encode(std::string_view s);

}  // namespace latchkey::net
