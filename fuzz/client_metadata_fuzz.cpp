// libFuzzer target: client registration metadata (oidc/client_metadata.hpp)
// and redirect URIs (oidc/redirect_uri.hpp), which come from whoever
// registers a client.
//
// Besides crashes, leaks and undefined behaviour it checks:
//  - a redirect URI accepted has no fragment, wildcard, white space or
//    control character, fits the bound, and a web one is https, a loopback
//    one http;
//  - metadata accepted holds only accepted URIs and known values, and reads
//    back the same from its own JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>

#include "oidc/client_metadata.hpp"
#include "oidc/redirect_uri.hpp"

namespace {

using namespace latchkey::oidc;

void require(bool ok) {
  if (!ok) std::abort();
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] + 32) : s[i];
    if (c != prefix[i]) return false;
  }
  return true;
}

void check_uri(std::string_view uri) {
  auto kind = check_redirect_uri(uri);
  if (!kind) {
    require(!kind.error().empty());
    return;
  }
  require(uri.size() <= kMaxRedirectUri);
  require(uri.find_first_of("#* \t\r\n") == std::string_view::npos);
  for (char c : uri) require(static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f);
  if (*kind == RedirectKind::web) require(starts_with_ci(uri, "https://"));
  if (*kind == RedirectKind::loopback) require(starts_with_ci(uri, "http://"));
  if (*kind == RedirectKind::native) require(!starts_with_ci(uri, "javascript:") && !starts_with_ci(uri, "data:"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_uri(input);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(input, ec);
  if (ec || !v.is_object()) return 0;
  const bool administrator = size % 2 == 0;
  auto m = parse_client_metadata(v.get_object(), administrator);
  if (!m) {
    require(m.error().code == "invalid_redirect_uri" || m.error().code == "invalid_client_metadata");
    return 0;
  }
  for (const auto& uri : m->redirect_uris) require(check_redirect_uri(uri).has_value());
  require(m->redirect_uris.size() <= kMaxRedirectUris);
  require(!m->first_party || administrator);
  auto again = parse_client_metadata(to_json(*m), true);
  require(again.has_value());
  require(to_json(*again) == to_json(*m));
  return 0;
}
