#pragma once
// Changes to the registered clients, each written to the audit trail at once
// (as auth::Admin writes its own): what the admin API, `latchkey clients`
// and the registration endpoints (RFC 7591/7592) change goes through here,
// so that no path changes a client unrecorded. Events: client.created,
// client.updated, client.secret_rotated, client.deleted; the actor is
// "admin-api", "cli" or "registration" (the registration endpoints); the
// detail names the client, never a secret. A failed change records nothing.
// Reads go to the registry itself. Blocking (the store): run it on the
// database lane.
#include <string_view>

#include <boost/json/object.hpp>

#include "auth/admin.hpp"
#include "auth/audit_log.hpp"
#include "oidc/client_registry.hpp"

namespace latchkey::oidc {

class ClientAdmin {
 public:
  ClientAdmin(ClientRegistry& registry, auth::AuditLog& audit) : registry_(registry), audit_(audit) {}

  ClientRegistry& registry() const { return registry_; }

  // As ClientRegistry's methods of the same names, recorded as `actor`'s.
  Registered<Registration> add(const boost::json::object& metadata, bool administrator, const auth::Actor& actor) const;
  // A client that stops being public without a secret is given one at once
  // (in the answer's `secret`, shown once): it could not authenticate
  // otherwise. The registration token is not changed (left empty).
  Registered<Registration> update(std::string_view id, const boost::json::object& metadata, bool administrator,
                                  const auth::Actor& actor) const;
  Registered<Registration> rotate_secret(std::string_view id, const auth::Actor& actor) const;
  Registered<void> remove(std::string_view id, const auth::Actor& actor) const;

 private:
  void record(std::string_view event, std::string_view id, const auth::Actor& actor, std::string detail) const;

  ClientRegistry& registry_;
  auth::AuditLog& audit_;
};

}  // namespace latchkey::oidc
