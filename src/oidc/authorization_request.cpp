#include "oidc/authorization_request.hpp"

#include <algorithm>
#include <charconv>

#include "oidc/pkce.hpp"
#include "util/utf8.hpp"

namespace latchkey::oidc {

namespace {

using Code = OAuthErrorCode;

tl::unexpected<OAuthError> refuse(Code code, std::string_view why) {
  return tl::unexpected(OAuthError::make(code, why));
}

const std::string* field(const http::FormFields& f, std::string_view name) {
  auto it = f.find(name);
  return it == f.end() ? nullptr : &it->second;
}

// Text we keep and later write into JSON, pages or the database (where
// PostgreSQL's text refuses NUL and ill-formed UTF-8).
bool plain_text(std::string_view s) {
  return valid_utf8(s) &&
         std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Calls `each` with every non-empty space-separated word of `s`; stops and
// returns false as soon as it does.
template <class F>
bool for_each_word(std::string_view s, F&& each) {
  while (!s.empty()) {
    const auto space = s.find(' ');
    const std::string_view w = s.substr(0, space);
    if (!w.empty() && !each(w)) return false;
    s = space == std::string_view::npos ? std::string_view{} : s.substr(space + 1);
  }
  return true;
}

// A text parameter within `max` bytes; empty counts as absent when
// `empty_is_absent` (an empty nonce binds nothing, an empty hint hints nothing).
tl::expected<std::optional<std::string>, OAuthError> text_param(const http::FormFields& f, std::string_view name,
                                                                 std::size_t max, bool empty_is_absent) {
  const std::string* v = field(f, name);
  if (!v || (empty_is_absent && v->empty())) return std::nullopt;
  if (v->size() > max)
    return refuse(Code::invalid_request, std::string(name) + " is longer than " + std::to_string(max) + " bytes");
  if (!plain_text(*v)) return refuse(Code::invalid_request, std::string(name) + " must be text without control characters");
  return *v;
}

tl::expected<void, OAuthError> check_response(const http::FormFields& f, const ClientMetadata& client) {
  const std::string* type = field(f, "response_type");
  if (!type) return refuse(Code::invalid_request, "response_type is required");
  // Only the code flow: the implicit and hybrid flows put tokens in URLs
  // (RFC 9700 section 2.1.2).
  if (*type != "code") return refuse(Code::unsupported_response_type, "only response_type code is supported");
  if (std::find(client.response_types.begin(), client.response_types.end(), "code") == client.response_types.end() ||
      !client.allows_grant("authorization_code"))
    return refuse(Code::unauthorized_client, "this client is not registered for the authorization code flow");
  if (const std::string* mode = field(f, "response_mode"); mode && *mode != "query")
    return refuse(Code::invalid_request, "only response_mode query is supported");
  // Request objects (OIDC Core 6) and passing registration inline (7.2.1)
  // are not offered; the request's own parameters are all that count.
  if (field(f, "request")) return refuse(Code::request_not_supported, "request objects are not supported");
  if (field(f, "request_uri")) return refuse(Code::request_uri_not_supported, "request_uri is not supported");
  if (field(f, "registration"))
    return refuse(Code::registration_not_supported, "the registration parameter is not supported");
  return {};
}

tl::expected<std::vector<std::string>, OAuthError> read_scopes(const http::FormFields& f, const ClientMetadata& client) {
  const std::string* scope = field(f, "scope");
  if (!scope) return refuse(Code::invalid_scope, "scope is required");
  if (scope->size() > kMaxScope) return refuse(Code::invalid_scope, "scope is too long");
  std::vector<std::string> out;
  std::string_view refused;
  for_each_word(*scope, [&](std::string_view s) {
    if (!client.allows_scope(s)) {
      refused = s;
      return false;
    }
    if (std::find(out.begin(), out.end(), s) == out.end()) out.emplace_back(s);
    return true;
  });
  if (!refused.empty()) return refuse(Code::invalid_scope, "scope " + std::string(refused.substr(0, 64)) + " is not allowed for this client");
  if (out.empty()) return refuse(Code::invalid_scope, "scope is required");
  return out;
}

tl::expected<std::string, OAuthError> read_pkce(const http::FormFields& f, const ClientMetadata& client) {
  const std::string* challenge = field(f, "code_challenge");
  const std::string* method = field(f, "code_challenge_method");
  if (method && *method == "plain") return refuse(Code::invalid_request, "PKCE plain is not supported: use S256");
  if (method && *method != "S256") return refuse(Code::invalid_request, "code_challenge_method must be S256");
  // A challenge without its method would be "plain" (RFC 7636 4.3).
  if (challenge && !method) return refuse(Code::invalid_request, "PKCE S256 required: code_challenge_method=S256");
  if (method && !challenge) return refuse(Code::invalid_request, "code_challenge is missing");
  if (!challenge) {
    // A public client has no secret: the code alone would redeem itself.
    if (client.is_public()) return refuse(Code::invalid_request, "PKCE S256 required for this client");
    return std::string();
  }
  if (!valid_challenge(*challenge))
    return refuse(Code::invalid_request, "code_challenge must be 43 base64url characters (S256)");
  return *challenge;
}

tl::expected<Prompt, OAuthError> read_prompt(const http::FormFields& f) {
  Prompt p;
  const std::string* text = field(f, "prompt");
  if (!text) return p;
  int count = 0;
  const bool known = for_each_word(*text, [&](std::string_view w) {
    ++count;
    if (w == "none") p.none = true;
    else if (w == "login") p.login = true;
    else if (w == "consent") p.consent = true;
    else if (w == "select_account") p.select_account = true;
    else return false;
    return true;
  });
  if (!known) return refuse(Code::invalid_request, "prompt may hold only none, login, consent and select_account");
  if (p.none && count > 1) return refuse(Code::invalid_request, "prompt none goes with no other value");
  return p;
}

tl::expected<std::optional<std::int64_t>, OAuthError> read_max_age(const http::FormFields& f) {
  const std::string* text = field(f, "max_age");
  if (!text) return std::nullopt;
  std::int64_t v = 0;
  // Digits only (from_chars would take a leading '-'); 12 of them are
  // beyond the limit already, so nothing can overflow.
  const bool digits = !text->empty() && text->size() <= 12 &&
                      std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::from_chars(text->data(), text->data() + text->size(), v).ec != std::errc() || v > kMaxMaxAge)
    return refuse(Code::invalid_request, "max_age must be a number of seconds up to ten years");
  return v;
}

void append_encoded(std::string& out, std::string_view s) { http::percent_encode(s, out); }

}  // namespace

tl::expected<ClientRef, PageError> identify(const http::FormFields& fields) {
  const std::string* id = field(fields, "client_id");
  if (!id || id->empty()) return tl::unexpected(PageError{"The request names no client (client_id is missing)."});
  if (id->size() > kMaxClientId ||
      !std::all_of(id->begin(), id->end(), [](char c) { return c >= 0x20 && c <= 0x7e; }))
    return tl::unexpected(PageError{"The request's client_id is not valid."});
  ClientRef ref{*id, {}};
  if (const std::string* uri = field(fields, "redirect_uri")) {
    if (uri->size() > kMaxRequestRedirectUri) return tl::unexpected(PageError{"The request's redirect_uri is too long."});
    ref.redirect_uri = *uri;
  }
  return ref;
}

bool AuthorizationRequest::openid() const { return std::find(scopes.begin(), scopes.end(), "openid") != scopes.end(); }

std::string AuthorizationRequest::scope() const {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

tl::expected<AuthorizationRequest, OAuthError> validate(const http::FormFields& fields, const ClientMetadata& client,
                                                        std::string_view redirect_uri) {
  if (auto r = check_response(fields, client); !r) return tl::unexpected(r.error());
  AuthorizationRequest req;
  if (const std::string* id = field(fields, "client_id")) req.client_id = *id;
  req.redirect_uri = std::string(redirect_uri);

  auto scopes = read_scopes(fields, client);
  if (!scopes) return tl::unexpected(scopes.error());
  req.scopes = std::move(*scopes);
  if (req.openid() && !field(fields, "redirect_uri"))
    return refuse(Code::invalid_request, "redirect_uri is required in an OpenID Connect request");

  auto challenge = read_pkce(fields, client);
  if (!challenge) return tl::unexpected(challenge.error());
  req.code_challenge = std::move(*challenge);

  // state is echoed exactly, so even an empty one is kept.
  auto state = text_param(fields, "state", kMaxState, false);
  auto nonce = text_param(fields, "nonce", kMaxNonce, true);
  auto hint = text_param(fields, "login_hint", kMaxLoginHint, true);
  for (const auto* r : {&state, &nonce, &hint}) {
    if (!*r) return tl::unexpected(r->error());
  }
  req.state = std::move(*state);
  req.nonce = std::move(*nonce);
  req.login_hint = std::move(*hint);

  if (const std::string* t = field(fields, "id_token_hint"); t && !t->empty()) {
    // A compact JWS: base64url parts and dots; id_token.hpp verifies it.
    if (t->size() > kMaxIdTokenHint ||
        !std::all_of(t->begin(), t->end(), [](char c) { return c > 0x20 && c < 0x7f; }))
      return refuse(Code::invalid_request, "id_token_hint is not a token");
    req.id_token_hint = *t;
  }

  auto prompt = read_prompt(fields);
  if (!prompt) return tl::unexpected(prompt.error());
  req.prompt = *prompt;
  auto max_age = read_max_age(fields);
  if (!max_age) return tl::unexpected(max_age.error());
  req.max_age = *max_age;
  return req;
}

std::optional<std::string> state_of(const http::FormFields& fields) {
  const std::string* s = field(fields, "state");
  if (!s || s->size() > kMaxState) return std::nullopt;
  return *s;
}

std::string authorization_response_uri(std::string_view redirect_uri, const std::vector<QueryParam>& params,
                                       std::string_view issuer) {
  // Registered URIs have no fragment (redirect_uri.hpp); if one ever did,
  // the parameters still belong in the query, before it.
  const auto hash = redirect_uri.find('#');
  const std::string_view base = redirect_uri.substr(0, hash);
  const std::string_view fragment = hash == std::string_view::npos ? std::string_view{} : redirect_uri.substr(hash);
  std::string out(base);
  const auto question = base.find('?');
  char sep = question == std::string_view::npos ? '?'
             : (base.back() == '?' || base.back() == '&') ? '\0'
                                                          : '&';
  auto add = [&](std::string_view name, std::string_view value) {
    if (sep != '\0') out += sep;
    sep = '&';
    append_encoded(out, name);
    out += '=';
    append_encoded(out, value);
  };
  for (const QueryParam& p : params) add(p.name, p.value);
  add("iss", issuer);
  out += fragment;
  return out;
}

std::string code_redirect_uri(std::string_view redirect_uri, std::string_view code,
                              const std::optional<std::string>& state, std::string_view issuer) {
  std::vector<QueryParam> params{{"code", code}};
  if (state) params.push_back({"state", *state});
  return authorization_response_uri(redirect_uri, params, issuer);
}

std::string error_redirect_uri(std::string_view redirect_uri, const OAuthError& error,
                               const std::optional<std::string>& state, std::string_view issuer) {
  const std::string description = sanitize_error_description(error.description);
  std::vector<QueryParam> params{{"error", name_of(error.code)}};
  if (!description.empty()) params.push_back({"error_description", description});
  if (state) params.push_back({"state", *state});
  return authorization_response_uri(redirect_uri, params, issuer);
}

}  // namespace latchkey::oidc
