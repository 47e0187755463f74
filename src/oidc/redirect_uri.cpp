#include "oidc/redirect_uri.hpp"

#include <algorithm>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace latchkey::oidc {

namespace {

bool ascii_lower_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    if (c != b[i]) return false;
  }
  return true;
}

bool loopback_host(const boost::urls::url_view& u) {
  const std::string_view host = u.encoded_host();
  return host == "127.0.0.1" || host == "[::1]" || ascii_lower_equals(host, "localhost");
}

// What every registered URI must satisfy, whatever its kind.
tl::expected<boost::urls::url_view, std::string> parse_exact(std::string_view uri) {
  if (uri.empty()) return tl::unexpected(std::string("must not be empty"));
  if (uri.size() > kMaxRedirectUri) return tl::unexpected("must be at most " + std::to_string(kMaxRedirectUri) + " bytes");
  const bool plain = std::all_of(uri.begin(), uri.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
  if (!plain) return tl::unexpected(std::string("must be printable ASCII without spaces (percent-encode the rest)"));
  if (uri.find('*') != std::string_view::npos) return tl::unexpected(std::string("must not contain a wildcard"));
  auto parsed = boost::urls::parse_absolute_uri(uri);
  if (!parsed) {
    // parse_absolute_uri refuses a fragment; say so when that is why.
    if (uri.find('#') != std::string_view::npos) return tl::unexpected(std::string("must not have a fragment"));
    return tl::unexpected(std::string("must be an absolute URI"));
  }
  return *parsed;
}

}  // namespace

tl::expected<RedirectKind, std::string> check_redirect_uri(std::string_view uri) {
  auto parsed = parse_exact(uri);
  if (!parsed) return tl::unexpected(parsed.error());
  const boost::urls::url_view& u = *parsed;
  const std::string_view scheme = u.scheme();
  if (ascii_lower_equals(scheme, "https")) {
    if (!u.has_authority() || u.encoded_host().empty()) return tl::unexpected(std::string("https URIs need a host"));
    if (u.has_userinfo()) return tl::unexpected(std::string("must not carry user information"));
    return RedirectKind::web;
  }
  if (ascii_lower_equals(scheme, "http")) {
    if (!u.has_authority() || !loopback_host(u) || u.has_userinfo())
      return tl::unexpected(std::string("http is allowed only for 127.0.0.1, [::1] and localhost; use https"));
    return RedirectKind::loopback;
  }
  // A private-use scheme: a reverse domain name the app owns (RFC 8252 7.1),
  // so at least one dot; that alone rules out javascript:, data:, file:...
  if (scheme.find('.') == std::string_view::npos)
    return tl::unexpected(std::string("a native app's scheme must be a reverse domain name (com.example.app:/cb)"));
  if (u.has_authority() && !u.encoded_host().empty())
    return tl::unexpected(std::string("a private-use URI has a path and no host (com.example.app:/cb)"));
  return RedirectKind::native;
}

tl::expected<void, std::string> check_backchannel_uri(std::string_view uri) {
  auto kind = check_redirect_uri(uri);
  if (!kind) return tl::unexpected(kind.error());
  if (*kind == RedirectKind::native) return tl::unexpected(std::string("must be an https (or loopback http) URL"));
  return {};
}

}  // namespace latchkey::oidc
