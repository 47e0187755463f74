#include "oidc/client_metadata.hpp"

#include <algorithm>
#include <array>

#include <boost/json/serialize.hpp>

#include "oidc/redirect_uri.hpp"
#include "token/jwk.hpp"
#include "util/utf8.hpp"

namespace latchkey::oidc {

namespace json = boost::json;

namespace {

constexpr std::array kGrantTypes = {std::string_view("authorization_code"), std::string_view("refresh_token"),
                                    std::string_view("client_credentials")};
// RFC 6749 3.3: scope-token = 1*NQCHAR (%x21 / %x23-5B / %x5D-7E).
bool api_scope(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

constexpr std::array kScopes = {std::string_view("openid"), std::string_view("profile"), std::string_view("email"),
                                std::string_view("offline_access")};
constexpr std::array kAlgs = {std::string_view("RS256"), std::string_view("ES256"), std::string_view("EdDSA")};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& set, std::string_view v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

tl::unexpected<MetadataError> bad(std::string description, std::string code = "invalid_client_metadata") {
  return tl::unexpected(MetadataError{std::move(code), std::move(description)});
}

// A member that must be a string when present.
tl::expected<std::optional<std::string_view>, MetadataError> string_member(const json::object& in,
                                                                            std::string_view name) {
  auto it = in.find(name);
  if (it == in.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string()) return bad(std::string(name) + " must be a string");
  const json::string& s = it->value().get_string();
  return std::string_view(s.data(), s.size());
}

// A member that must be an array of strings when present (at most `max`).
tl::expected<std::optional<std::vector<std::string>>, MetadataError> strings_member(const json::object& in,
                                                                                     std::string_view name,
                                                                                     std::size_t max) {
  auto it = in.find(name);
  if (it == in.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_array()) return bad(std::string(name) + " must be an array of strings");
  const json::array& a = it->value().get_array();
  if (a.size() > max) return bad(std::string(name) + " may list at most " + std::to_string(max));
  std::vector<std::string> out;
  for (const json::value& v : a) {
    if (!v.is_string()) return bad(std::string(name) + " must be an array of strings");
    std::string s(v.get_string());
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  }
  return out;
}

tl::expected<std::optional<bool>, MetadataError> bool_member(const json::object& in, std::string_view name) {
  auto it = in.find(name);
  if (it == in.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_bool()) return bad(std::string(name) + " must be true or false");
  return it->value().get_bool();
}

// The keys of a JWK Set the client registers are published back in its
// metadata (registration answers, the admin API): a private member (an RSA,
// EC or OKP private part, an oct secret) has no business there, and is
// refused rather than kept.
tl::expected<void, MetadataError> check_public_keys(const json::array& keys) {
  for (const json::value& k : keys) {
    if (!k.is_object()) return bad("jwks keys must be JWK objects");
    for (std::string_view secret : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
      if (k.get_object().contains(secret)) return bad("jwks must hold public keys only (found \"" + std::string(secret) + "\")");
    }
  }
  return {};
}

// Whether a key of `jwks` could verify a client assertion.
bool has_usable_key(const std::optional<json::object>& jwks) {
  if (!jwks) return false;
  for (const json::value& k : jwks->at("keys").get_array()) {
    auto key = token::key_from_jwk(k.get_object(), "client");
    if (key && key->pkey) return true;
  }
  return false;
}

tl::expected<void, MetadataError> take_uris(const json::object& in, ClientMetadata& m) {
  auto redirects = strings_member(in, "redirect_uris", kMaxRedirectUris);
  if (!redirects) return tl::unexpected(redirects.error());
  if (*redirects) m.redirect_uris = std::move(**redirects);
  for (const auto& uri : m.redirect_uris) {
    if (auto k = check_redirect_uri(uri); !k) return bad("redirect_uri " + uri.substr(0, 100) + ": " + k.error(),
                                                         "invalid_redirect_uri");
  }
  auto logouts = strings_member(in, "post_logout_redirect_uris", kMaxRedirectUris);
  if (!logouts) return tl::unexpected(logouts.error());
  if (*logouts) m.post_logout_redirect_uris = std::move(**logouts);
  for (const auto& uri : m.post_logout_redirect_uris) {
    if (auto k = check_redirect_uri(uri); !k)
      return bad("post_logout_redirect_uri " + uri.substr(0, 100) + ": " + k.error());
  }
  auto backchannel = string_member(in, "backchannel_logout_uri");
  if (!backchannel) return tl::unexpected(backchannel.error());
  if (*backchannel) {
    if (auto ok = check_backchannel_uri(**backchannel); !ok) return bad("backchannel_logout_uri: " + ok.error());
    m.backchannel_logout_uri = std::string(**backchannel);
  }
  return {};
}

tl::expected<void, MetadataError> take_grants(const json::object& in, ClientMetadata& m) {
  auto grants = strings_member(in, "grant_types", kGrantTypes.size());
  if (!grants) return tl::unexpected(grants.error());
  if (*grants) m.grant_types = std::move(**grants);
  for (const auto& g : m.grant_types) {
    if (!one_of(kGrantTypes, g)) return bad("grant_type " + g.substr(0, 100) + " is not supported");
  }
  auto responses = strings_member(in, "response_types", 1);
  if (!responses) return tl::unexpected(responses.error());
  if (*responses) m.response_types = std::move(**responses);
  for (const auto& r : m.response_types) {
    if (r != "code") return bad("response_type " + r.substr(0, 100) + " is not supported (only code)");
  }
  const bool code = m.allows_grant("authorization_code");
  // RFC 7591 2.1: the two must agree.
  if (code != !m.response_types.empty())
    return bad("response_types [\"code\"] goes with grant_types authorization_code, and only with it");
  if (code && m.redirect_uris.empty())
    return bad("redirect_uris is required for the authorization_code grant", "invalid_redirect_uri");
  if (m.allows_grant("refresh_token") && !code) return bad("refresh_token needs the authorization_code grant");
  if (m.grant_types.empty()) return bad("grant_types must not be empty");
  return {};
}

tl::expected<void, MetadataError> take_rest(const json::object& in, ClientMetadata& m, bool administrator) {
  if (auto name = string_member(in, "client_name"); !name) return tl::unexpected(name.error());
  else if (*name) {
    if (!valid_utf8(**name) || utf8_length(**name) > kMaxClientName ||
        std::any_of((*name)->begin(), (*name)->end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
      return bad("client_name must be at most 200 characters of text");
    m.client_name = std::string(**name);
  }
  if (auto method = string_member(in, "token_endpoint_auth_method"); !method) return tl::unexpected(method.error());
  else if (*method) {
    if (**method == "client_secret_basic") m.token_endpoint_auth_method = AuthMethod::client_secret_basic;
    else if (**method == "client_secret_post") m.token_endpoint_auth_method = AuthMethod::client_secret_post;
    else if (**method == "private_key_jwt") m.token_endpoint_auth_method = AuthMethod::private_key_jwt;
    else if (**method == "none") m.token_endpoint_auth_method = AuthMethod::none;
    else return bad("token_endpoint_auth_method must be client_secret_basic, client_secret_post, private_key_jwt or none");
  }
  if (m.is_public() && m.allows_grant("client_credentials"))
    return bad("client_credentials needs a client that authenticates (not token_endpoint_auth_method none)");
  if (auto alg = string_member(in, "id_token_signed_response_alg"); !alg) return tl::unexpected(alg.error());
  else if (*alg) {
    if (!one_of(kAlgs, **alg)) return bad("id_token_signed_response_alg must be RS256, ES256 or EdDSA");
    m.id_token_signed_response_alg = std::string(**alg);
  }
  if (auto scope = string_member(in, "scope"); !scope) return tl::unexpected(scope.error());
  else if (*scope) {
    std::string_view rest = **scope;
    std::string kept;
    while (!rest.empty()) {
      const auto space = rest.find(' ');
      const std::string_view s = rest.substr(0, space);
      if (!s.empty()) {
        // The OpenID scopes, and API scopes of the deployment's own naming
        // (a client_credentials client's "reports:read"): any scope-token
        // of RFC 6749 section 3.3, up to 64 characters.
        if (!one_of(kScopes, s) && !api_scope(s))
          return bad("scope " + std::string(s.substr(0, 100)) + " is not a valid scope token");
        if (!kept.empty()) kept += ' ';
        kept += s;
      }
      rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    }
    m.scope = kept;
  }
  if (auto b = bool_member(in, "backchannel_logout_session_required"); !b) return tl::unexpected(b.error());
  else if (*b) m.backchannel_logout_session_required = **b;
  if (auto first = bool_member(in, "first_party"); !first) return tl::unexpected(first.error());
  else if (*first) {
    if (**first && !administrator) return bad("first_party may only be set by an administrator");
    m.first_party = **first;
  }
  if (auto it = in.find("jwks"); it != in.end() && !it->value().is_null()) {
    if (!it->value().is_object() || !it->value().get_object().contains("keys") ||
        !it->value().get_object().at("keys").is_array())
      return bad("jwks must be a JWK Set: {\"keys\": [...]}");
    if (json::serialize(it->value()).size() > kMaxJwksBytes) return bad("jwks must be at most 16 KiB");
    if (auto r = check_public_keys(it->value().get_object().at("keys").get_array()); !r) return r;
    m.jwks = it->value().get_object();
  }
  if (m.token_endpoint_auth_method == AuthMethod::private_key_jwt && !has_usable_key(m.jwks))
    return bad("private_key_jwt needs jwks with at least one RSA, EC P-256 or Ed25519 public key");
  return {};
}

}  // namespace

std::string_view name_of(AuthMethod m) {
  switch (m) {
    case AuthMethod::client_secret_basic: return "client_secret_basic";
    case AuthMethod::client_secret_post: return "client_secret_post";
    case AuthMethod::private_key_jwt: return "private_key_jwt";
    case AuthMethod::none: return "none";
  }
  return "none";
}

bool ClientMetadata::allows_grant(std::string_view g) const {
  return std::find(grant_types.begin(), grant_types.end(), g) != grant_types.end();
}

bool ClientMetadata::registers_redirect(std::string_view uri) const {
  return std::find(redirect_uris.begin(), redirect_uris.end(), uri) != redirect_uris.end();
}

bool ClientMetadata::allows_scope(std::string_view s) const {
  std::string_view rest = scope;
  while (!rest.empty()) {
    const auto space = rest.find(' ');
    if (rest.substr(0, space) == s) return true;
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
  }
  return false;
}

tl::expected<ClientMetadata, MetadataError> parse_client_metadata(const json::object& in, bool administrator) {
  ClientMetadata m;
  if (auto r = take_uris(in, m); !r) return tl::unexpected(r.error());
  if (auto r = take_grants(in, m); !r) return tl::unexpected(r.error());
  if (auto r = take_rest(in, m, administrator); !r) return tl::unexpected(r.error());
  return m;
}

json::object to_json(const ClientMetadata& m) {
  auto strings = [](const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  json::object o{{"client_name", m.client_name},
                 {"redirect_uris", strings(m.redirect_uris)},
                 {"post_logout_redirect_uris", strings(m.post_logout_redirect_uris)},
                 {"grant_types", strings(m.grant_types)},
                 {"response_types", strings(m.response_types)},
                 {"token_endpoint_auth_method", name_of(m.token_endpoint_auth_method)},
                 {"id_token_signed_response_alg", m.id_token_signed_response_alg},
                 {"scope", m.scope},
                 {"backchannel_logout_session_required", m.backchannel_logout_session_required},
                 {"first_party", m.first_party}};
  if (!m.backchannel_logout_uri.empty()) o["backchannel_logout_uri"] = m.backchannel_logout_uri;
  if (m.jwks) o["jwks"] = *m.jwks;
  return o;
}

}  // namespace latchkey::oidc
