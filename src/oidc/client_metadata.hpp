#pragma once
// A client's registered metadata (RFC 7591 section 2, OpenID Connect
// Dynamic Client Registration 1.0 section 2, Back-Channel Logout 1.0
// section 2.2): what registration, the admin API and the CLI accept, checked
// in one place. Unknown members are ignored (RFC 7591: the server MUST
// ignore metadata it does not understand); known ones of the wrong type or
// value are refused with the spec's error code.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <tl/expected.hpp>

namespace latchkey::oidc {

// How a client authenticates at the token endpoint (OIDC Core 9): with the
// secret we issue (HTTP Basic, or form fields), with a JWT signed by a key of
// its registered jwks (private_key_jwt, client_assertion.hpp; no secret is
// issued), or not at all (a public client, which must use PKCE).
enum class AuthMethod { client_secret_basic, client_secret_post, private_key_jwt, none };
std::string_view name_of(AuthMethod m);

struct ClientMetadata {
  std::string client_name;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> post_logout_redirect_uris;
  std::vector<std::string> grant_types{"authorization_code"};  // authorization_code, refresh_token, client_credentials
  std::vector<std::string> response_types{"code"};
  AuthMethod token_endpoint_auth_method = AuthMethod::client_secret_basic;
  std::string id_token_signed_response_alg = "RS256";  // RS256, ES256 or EdDSA
  std::string backchannel_logout_uri;
  bool backchannel_logout_session_required = false;
  // The client's public keys, kept as given: a JWK Set holding no private
  // member; required for private_key_jwt, with at least one key we can read.
  std::optional<boost::json::object> jwks;
  std::string scope = "openid";  // space-separated: what it may ask for
  bool first_party = false;      // skips consent; only an administrator may set it

  bool is_public() const { return token_endpoint_auth_method == AuthMethod::none; }
  // Whether the client authenticates with a secret we issue.
  bool uses_secret() const {
    return token_endpoint_auth_method == AuthMethod::client_secret_basic ||
           token_endpoint_auth_method == AuthMethod::client_secret_post;
  }
  bool allows_grant(std::string_view g) const;
  // `uri` is one of redirect_uris, compared as a string (RFC 9700 2.1: no
  // prefix, no added query, no other port).
  bool registers_redirect(std::string_view uri) const;
  bool allows_scope(std::string_view s) const;
};

// Why metadata is refused: `code` is invalid_redirect_uri or
// invalid_client_metadata (RFC 7591 section 3.2.2).
struct MetadataError {
  std::string code;
  std::string description;
};

// The limits of what a client may register.
inline constexpr std::size_t kMaxClientName = 200;     // characters
inline constexpr std::size_t kMaxRedirectUris = 20;
inline constexpr std::size_t kMaxJwksBytes = 16 * 1024;

// `first_party` is taken only when `administrator` (the initial access token
// or the CLI); from anyone else it is refused.
tl::expected<ClientMetadata, MetadataError> parse_client_metadata(const boost::json::object& in, bool administrator);

// The metadata as JSON, as registration answers it (RFC 7591 section 3.2.1).
boost::json::object to_json(const ClientMetadata& m);

}  // namespace latchkey::oidc
