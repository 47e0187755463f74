#include "oidc/consents.hpp"

#include <algorithm>

#include "oidc/grants/grants.hpp"

namespace latchkey::oidc {

auth::Expected<void> Consents::remember(std::string_view user_id, std::string_view client_id,
                                        const std::vector<std::string>& scopes, const auth::Client& from) {
  store::ConsentStore& consents = service_.store().consents();
  std::vector<std::string> all = scopes;
  if (auto old = consents.find(user_id, client_id)) {
    for (auto& s : scope_list(old->scope)) all.push_back(std::move(s));
  } else if (old.error() != store::StoreError::not_found) {
    return auth::store_failure(old);
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  store::Consent c{std::string(user_id), std::string(client_id), {}, service_.clock()()};
  for (const auto& s : all) c.scope += (c.scope.empty() ? "" : " ") + s;
  if (auto r = consents.grant(c); !r) return auth::store_failure(r);
  service_.audit().record({.event = "consent_granted", .user_id = user_id, .ip = from.ip, .user_agent = from.user_agent,
                           .detail = auth::audit_detail({{"client_id", client_id}, {"scope", std::string_view(c.scope)}})});
  return {};
}

auth::Expected<std::vector<store::Consent>> Consents::list(std::string_view user_id) {
  auto rows = service_.store().consents().list_for_user(user_id);
  if (!rows) return auth::store_failure(rows);
  return std::move(*rows);
}

auth::Expected<std::vector<NamedConsent>> Consents::named(std::string_view user_id) {
  auto rows = list(user_id);
  if (!rows) return tl::unexpected(rows.error());
  std::vector<NamedConsent> out;
  out.reserve(rows->size());
  for (store::Consent& c : *rows) {
    auto client = clients_.find(c.client_id);
    std::string name = client ? client->metadata.client_name : std::string();
    out.push_back(NamedConsent{std::move(c), std::move(name)});
  }
  return out;
}

boost::json::object to_json(const NamedConsent& c) {
  return {{"client_id", c.consent.client_id}, {"client_name", c.client_name}, {"scope", c.consent.scope},
          {"granted_at", c.consent.granted_at}};
}

auth::Expected<void> Consents::revoke(std::string_view user_id, std::string_view client_id, std::string_view actor,
                                      const auth::Client& from) {
  if (auto r = service_.store().consents().revoke(user_id, client_id); !r) {
    if (r.error() == store::StoreError::not_found) return tl::unexpected(auth::AuthError::session_not_found);
    return auth::store_failure(r);
  }
  // The client's sessions of this person end with the consent.
  const UnixSeconds now = service_.clock()();
  auto live = service_.store().sessions().list_live(user_id, now, service_.options().idle_since(now));
  if (!live) return auth::store_failure(live);
  std::int64_t ended = 0;
  for (const store::Session& s : *live) {
    if (s.client_id != client_id) continue;
    if (service_.store().sessions().revoke(s.id, user_id, now, store::EndReason::revoked)) {
      service_.tokens().revoked_after_commit(service_.store().database(), s.id, now);
      ++ended;
    }
  }
  service_.audit().record({.event = "consent_revoked", .actor = actor, .user_id = user_id, .ip = from.ip,
                           .user_agent = from.user_agent,
                           .detail = auth::audit_detail({{"client_id", client_id}, {"sessions_ended", ended}})});
  return {};
}

}  // namespace latchkey::oidc
