#pragma once
// Which redirect URIs a client may register (OAuth 2.0 Security BCP, RFC
// 9700 section 2.1; native apps, RFC 8252 section 7): exact strings, later
// compared as strings, so nothing here normalises. A URI is one of
//  - web:      https://host[:port]/path[?query], no user info;
//  - loopback: http on 127.0.0.1, [::1] or localhost (a native app's local
//              listener, RFC 8252 7.3; any port, given or not);
//  - native:   a private-use scheme in reverse-domain form
//              (com.example.app:/callback, RFC 8252 7.1);
// never with a fragment (RFC 6749 3.1.2), a wildcard, white space or
// control characters, and never a scheme that runs or embeds content
// (javascript:, data:, ...: none has the reverse-domain form).
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace latchkey::oidc {

enum class RedirectKind { web, loopback, native };

// Longest redirect URI accepted, in bytes.
inline constexpr std::size_t kMaxRedirectUri = 2000;

// The kind of `uri`, or why it cannot be registered (a sentence for
// error_description).
tl::expected<RedirectKind, std::string> check_redirect_uri(std::string_view uri);

// A URI that receives server-to-server calls (backchannel_logout_uri): web,
// or loopback for development; no fragment.
tl::expected<void, std::string> check_backchannel_uri(std::string_view uri);

}  // namespace latchkey::oidc
