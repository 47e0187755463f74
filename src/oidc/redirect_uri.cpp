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

// The authority as written: after "scheme://", up to the first '/', '?' or
// '#'. Read from the text itself, not from the parser: Boost.URL 1.81 reads
// "http://127.0.0.1.evil.com/cb" as host 127.0.0.1 and path ".evil.com/cb",
// while a browser goes to 127.0.0.1.evil.com.
std::string_view written_authority(std::string_view uri) {
  const auto start = uri.find("://");
  if (start == std::string_view::npos) return {};
  const std::string_view rest = uri.substr(start + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

// The host of an authority without user information: before ":port", or
// the bracketed IPv6 literal.
std::string_view host_of(std::string_view authority) {
  if (authority.starts_with('[')) return authority.substr(0, authority.find(']') + 1);
  return authority.substr(0, authority.find(':'));
}

bool loopback_host(std::string_view host) {
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
  // Whatever the parser made of it, the host is what a browser will read.
  if (u.has_authority() && u.encoded_authority() != written_authority(uri))
    return tl::unexpected(std::string("has a host that cannot be read one way only"));
  if (ascii_lower_equals(scheme, "https")) {
    if (!u.has_authority() || u.encoded_host().empty()) return tl::unexpected(std::string("https URIs need a host"));
    if (u.has_userinfo()) return tl::unexpected(std::string("must not carry user information"));
    return RedirectKind::web;
  }
  if (ascii_lower_equals(scheme, "http")) {
    if (!u.has_authority() || u.has_userinfo() || !loopback_host(host_of(written_authority(uri))))
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
