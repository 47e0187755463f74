#include "oidc/client_admin.hpp"

#include "util/log.hpp"

namespace latchkey::oidc {

namespace {

// What the trail keeps of a client besides its id: enough to tell later
// which app it was and what it could do.
std::string describe(const Client& c) {
  return auth::audit_detail({{"client_id", std::string_view(c.id)},
                             {"client_name", std::string_view(c.metadata.client_name)},
                             {"public", c.metadata.is_public()},
                             {"first_party", c.metadata.first_party}});
}

}  // namespace

void ClientAdmin::record(std::string_view event, std::string_view id, const auth::Actor& actor,
                         std::string detail) const {
  audit_.write_now({.event = event, .actor = actor.name, .ip = actor.ip, .user_agent = actor.user_agent,
                    .detail = std::move(detail)});
  log::info("admin.action", {{"action", event}, {"actor", actor.name}, {"client_id", id}});
}

Registered<Registration> ClientAdmin::add(const boost::json::object& metadata, bool administrator,
                                          const auth::Actor& actor) const {
  auto r = registry_.add(metadata, administrator);
  if (r) record("client.created", r->client.id, actor, describe(r->client));
  return r;
}

Registered<Registration> ClientAdmin::update(std::string_view id, const boost::json::object& metadata,
                                             bool administrator, const auth::Actor& actor) const {
  auto c = registry_.update(id, metadata, administrator);
  if (!c) return tl::unexpected(c.error());
  record("client.updated", c->id, actor, describe(*c));
  if (c->metadata.is_public() || c->has_secret) return Registration{std::move(*c), {}, {}};
  return rotate_secret(id, actor);
}

Registered<Registration> ClientAdmin::rotate_secret(std::string_view id, const auth::Actor& actor) const {
  auto r = registry_.rotate_secret(id);
  if (r) record("client.secret_rotated", r->client.id, actor, describe(r->client));
  return r;
}

Registered<void> ClientAdmin::remove(std::string_view id, const auth::Actor& actor) const {
  auto gone = registry_.remove(id);
  if (gone) record("client.deleted", id, actor, auth::audit_detail({{"client_id", id}}));
  return gone;
}

}  // namespace latchkey::oidc
