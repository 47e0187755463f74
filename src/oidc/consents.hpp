#pragma once
// What each person let each client do (OpenID Connect Core 3.1.2.4):
// remembered per user, client and scopes, listed and revoked by the person
// (the API) and by administrators. Revoking a consent also ends that
// client's sessions of that person: what was granted is taken back, not
// only the right to ask again. Every method blocks (the store).
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "auth/service.hpp"
#include "oidc/client_registry.hpp"
#include "store/records.hpp"

namespace latchkey::oidc {

// A consent as the person and administrators see it: with the client's
// name (empty for a client without one, or deleted since).
struct NamedConsent {
  store::Consent consent;
  std::string client_name;
};

// {"client_id", "client_name", "scope", "granted_at"}: GET /consents and
// GET /admin/users/{name}/consents alike (docs/openapi.json's Consent).
boost::json::object to_json(const NamedConsent& c);

class Consents {
 public:
  Consents(auth::Service& service, ClientRegistry& clients) : service_(service), clients_(clients) {}

  // Adds `scopes` to what this person let this client have (the union is kept).
  auth::Expected<void> remember(std::string_view user_id, std::string_view client_id,
                                const std::vector<std::string>& scopes, const auth::Client& from);
  auth::Expected<std::vector<store::Consent>> list(std::string_view user_id);
  // list(), each with its client's name.
  auth::Expected<std::vector<NamedConsent>> named(std::string_view user_id);
  // session_not_found when there was none. `actor`: "user", "cli" or "admin-api".
  auth::Expected<void> revoke(std::string_view user_id, std::string_view client_id, std::string_view actor,
                              const auth::Client& from);

 private:
  auth::Service& service_;
  ClientRegistry& clients_;
};

}  // namespace latchkey::oidc
