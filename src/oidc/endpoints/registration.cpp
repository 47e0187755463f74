#include "oidc/endpoints/registration.hpp"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <boost/json.hpp>

#include "api/error_answers.hpp"
#include "api/json_io.hpp"
#include "api/middleware.hpp"
#include "oidc/client_admin.hpp"

namespace latchkey::oidc {

namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

struct Context {
  RegistrationOptions options;
  ClientRegistry& registry;
  ClientAdmin clients;
  WorkerPool& pool;
  api::ErrorAnswers errors;  // for 503: the same answer as anywhere else
};

// RFC 7591 section 3.2.2 (and RFC 6749 5.2): {"error", "error_description"}.
Response oauth_error(unsigned status, std::string_view code, std::string_view description) {
  return api::json_response(status, json::object{{"error", code}, {"error_description", description}});
}

Response bad_metadata(std::string_view description) { return oauth_error(400, "invalid_client_metadata", description); }

// RFC 6750 section 3.1, for a missing token as for a wrong one: a client
// that sent none learns in the same words what it lacks.
Response invalid_token() {
  Response r = oauth_error(401, "invalid_token", "The access token is missing, wrong or expired");
  r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  return r;
}

// What a registry failure answers here; a client that is not there and a
// wrong registration token say the same (RFC 7592 section 3).
Response failure(const Context& ctx, const RegistryFailure& f) {
  switch (f.error) {
    case RegistryError::invalid_metadata: return oauth_error(400, f.metadata.code, f.metadata.description);
    case RegistryError::not_found:
    case RegistryError::unauthorized: return invalid_token();
    case RegistryError::unavailable: break;
  }
  return ctx.errors(auth::AuthError::unavailable);
}

// What a lane's result answers when it is not a value: none (the queue is
// full) is 503, a failure its answer.
template <class T>
std::optional<Response> refusal(const Context& ctx, const std::optional<Registered<T>>& r) {
  if (!r) return ctx.errors(auth::AuthError::unavailable);
  if (!*r) return failure(ctx, r->error());
  return std::nullopt;
}

template <class T, class Ok>
Response reply(const Context& ctx, const std::optional<Registered<T>>& r, Ok ok) {
  if (auto refused = refusal(ctx, r)) return std::move(*refused);
  if constexpr (std::is_void_v<T>) {
    return ok();
  } else {
    return ok(**r);
  }
}

bool is_json_media_type(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  return http::iequals(media, "application/json");
}

// The request's metadata document: one JSON object, sent as such.
tl::expected<json::object, Response> metadata_of(const Context& ctx, const Request& req) {
  if (req.body.size() > ctx.options.max_metadata_bytes)
    return tl::unexpected(
        bad_metadata("The metadata must be at most " + std::to_string(ctx.options.max_metadata_bytes) + " bytes"));
  if (!is_json_media_type(req.header("Content-Type")))
    return tl::unexpected(bad_metadata("The metadata must be sent as Content-Type: application/json"));
  if (req.body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return tl::unexpected(bad_metadata("The body must be a JSON object of client metadata"));
  auto o = api::parse_object(req.body);
  if (!o) {
    switch (o.error()) {
      case api::BodyError::not_json: return tl::unexpected(bad_metadata("The body is not valid JSON"));
      case api::BodyError::not_object: return tl::unexpected(bad_metadata("The body must be a JSON object"));
      case api::BodyError::duplicate_key: return tl::unexpected(bad_metadata("The body names a member twice"));
    }
  }
  return std::move(*o);
}

// The client information response (RFC 7591 section 3.2.1, RFC 7592
// section 3): the metadata as kept, the client's id, a secret only when one
// was just issued, and the registration access token only to whoever
// presented it (or just got it): it is kept as a digest.
json::object information(const Context& ctx, const Client& c, std::string_view registration_token,
                         std::string_view secret) {
  json::object out = to_json(c.metadata);
  out["client_id"] = c.id;
  out["client_id_issued_at"] = c.created_at;
  if (!secret.empty()) out["client_secret"] = secret;
  if (c.has_secret) out["client_secret_expires_at"] = 0;  // secrets do not expire; rotation replaces them
  out["registration_access_token"] = registration_token;
  out["registration_client_uri"] = ctx.options.issuer + "/register/" + c.id;
  return out;
}

auth::Actor actor_of(const Request& req) {
  return auth::Actor{"registration", req.remote_ip, req.header("User-Agent")};
}

awaitable<Response> register_client(const Context& ctx, const Request& req) {
  auto metadata = metadata_of(ctx, req);
  if (!metadata) co_return std::move(metadata.error());
  const auth::Actor actor = actor_of(req);
  // The initial access token is the administrators': it may set first_party.
  auto r = co_await ctx.pool.run([&] { return ctx.clients.add(*metadata, true, actor); });
  co_return reply(ctx, r, [&](const Registration& added) {
    Response res = api::json_response(201, information(ctx, added.client, added.registration_token, added.secret));
    res.headers.emplace_back("Location", ctx.options.issuer + "/register/" + added.client.id);
    return res;
  });
}

awaitable<Response> read_client(const Context& ctx, const Request& req) {
  auto token = api::bearer_token(req);
  if (!token) co_return invalid_token();
  auto r = co_await ctx.pool.run([&] { return ctx.registry.by_registration_token(req.param("client_id"), *token); });
  co_return reply(ctx, r, [&](const Client& c) { return api::json_response(200, information(ctx, c, *token, {})); });
}

// RFC 7592 section 2.2's rules on the members of an update that are not
// metadata: the client's id, as the path says; a secret, if sent, a string
// (the caller checks it is the current one); nothing the server issues; and
// first_party, which is the administrators' to set, as the client has it
// (it may send back what it read).
std::optional<std::string> refused_update(const json::object& body, const Client& current) {
  auto it = body.find("client_id");
  if (it == body.end() || !it->value().is_string() || it->value().get_string() != current.id)
    return "client_id must be included, and be the client's own";
  for (std::string_view issued : std::array<std::string_view, 4>{"registration_access_token", "registration_client_uri",
                                                                  "client_secret_expires_at", "client_id_issued_at"}) {
    if (body.contains(issued)) return std::string(issued) + " is issued by the server; leave it out";
  }
  if (auto s = body.find("client_secret"); s != body.end() && !s->value().is_string())
    return "client_secret must be a string";
  if (auto f = body.find("first_party");
      f != body.end() && !(f->value().is_bool() && f->value().get_bool() == current.metadata.first_party))
    return "first_party may only be set by an administrator";
  return std::nullopt;
}

awaitable<Response> update_client(const Context& ctx, const Request& req) {
  auto token = api::bearer_token(req);
  if (!token) co_return invalid_token();
  const std::string_view id = req.param("client_id");
  // The token first: who may not manage the client learns nothing of why
  // its body would have been refused.
  auto current = co_await ctx.pool.run([&] { return ctx.registry.by_registration_token(id, *token); });
  if (auto refused = refusal(ctx, current)) co_return std::move(*refused);
  auto metadata = metadata_of(ctx, req);
  if (!metadata) co_return std::move(metadata.error());
  if (auto why = refused_update(*metadata, **current)) co_return bad_metadata(*why);
  const auto secret = metadata->find("client_secret");
  json::object replaced = *metadata;
  replaced["first_party"] = (*current)->metadata.first_party;
  const auth::Actor actor = actor_of(req);
  auto r = co_await ctx.pool.run([&]() -> Registered<Registration> {
    if (secret != metadata->end()) {
      auto same = ctx.registry.authenticate(id, secret->value().get_string());
      if (!same && same.error().error != RegistryError::unauthorized) return tl::unexpected(same.error());
      if (!same)
        return tl::unexpected(RegistryFailure{
            RegistryError::invalid_metadata,
            {"invalid_client_metadata", "client_secret is not the client's current secret (it cannot choose one)"}});
    }
    return ctx.clients.update(id, replaced, true, actor);
  });
  co_return reply(ctx, r, [&](const Registration& changed) {
    return api::json_response(200, information(ctx, changed.client, *token, changed.secret));
  });
}

awaitable<Response> delete_client(const Context& ctx, const Request& req) {
  auto token = api::bearer_token(req);
  if (!token) co_return invalid_token();
  const std::string_view id = req.param("client_id");
  const auth::Actor actor = actor_of(req);
  auto r = co_await ctx.pool.run([&]() -> Registered<void> {
    if (auto current = ctx.registry.by_registration_token(id, *token); !current)
      return tl::unexpected(current.error());
    return ctx.clients.remove(id, actor);
  });
  co_return reply(ctx, r, [] {
    Response res;
    res.status = 204;  // RFC 7592 section 2.3
    return res;
  });
}

using Endpoint = awaitable<Response> (*)(const Context&, const Request&);

void add(http::Router& router, const std::shared_ptr<const Context>& ctx, std::string_view method,
         std::string_view path, Endpoint endpoint, http::RouteOptions options) {
  router.add(method, path, [ctx, endpoint](const Request& req) { return endpoint(*ctx, req); }, std::move(options));
}

}  // namespace

void add_registration_routes(http::Router& router, RegistrationOptions options, ClientRegistry& registry,
                             WorkerPool& pool, auth::AuditLog& audit) {
  const std::optional<std::string> initial = options.initial_access_token;
  abuse::Limiter* limits = options.limits;
  auto ctx = std::make_shared<const Context>(
      Context{std::move(options), registry, ClientAdmin(registry, audit), pool, api::ErrorAnswers()});
  if (initial) {
    http::RouteOptions o;
    o.middleware.push_back(api::admin_auth(*initial, *limits, [](bool) { return invalid_token(); }));
    o.security = "initial_access_token";
    add(router, ctx, "POST", "/register", register_client, std::move(o));
  }
  for (auto [method, endpoint] : std::array<std::pair<std::string_view, Endpoint>, 3>{
           {{"GET", read_client}, {"PUT", update_client}, {"DELETE", delete_client}}}) {
    http::RouteOptions o;
    o.security = "registration_access_token";  // checked by the handler, against the store
    add(router, ctx, method, "/register/{client_id}", endpoint, std::move(o));
  }
}

}  // namespace latchkey::oidc
