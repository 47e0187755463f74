#include "auth/service.hpp"

namespace latchkey::auth {

namespace {

// Each lock goes into the audit trail, with the account (when it is about
// one) and the address it is about.
abuse::Limiter::Hooks limit_hooks(AuditLog& audit) {
  abuse::Limiter::Hooks h;
  h.on_lock = [&audit](const abuse::Key& k, const store::LimitCounter& c) {
    audit.record({.event = "locked",
                  .actor = "limits",
                  .username = k.account,
                  .ip = k.ip,
                  .detail = audit_detail({{"limit", abuse::name_of(k.limit)},
                                          {"failures", c.count},
                                          {"locked_until", c.locked_until}})});
  };
  return h;
}

}  // namespace

Service::Service(store::Store& store, token::KeySet keys, std::string refresh_secret, Options options, Clock clock,
                 AuditLog& audit)
    : store_(store),
      options_(std::move(options)),
      limits_(options_.limits, &store.limits(), options_.limits_shared, limit_hooks(audit)),
      tokens_(std::move(keys), options_.access_ttl + options_.leeway, options_.token_cache_size, options_.leeway),
      chain_(std::move(refresh_secret)),
      context_{store, options_, std::move(clock), audit, tokens_, chain_, usage_, counters_, limits_},
      authenticator_(context_),
      issuer_(context_),
      sessions_(context_, issuer_, authenticator_),
      logins_(context_, sessions_),
      accounts_(context_),
      introspection_(context_, authenticator_) {}

Expected<std::size_t> Service::load_revocations() {
  const UnixSeconds now = context_.clock();
  auto rows = store_.sessions().list_revoked_since(now - options_.access_ttl - options_.leeway);
  if (!rows) return store_failure(rows);
  for (const auto& r : *rows) note_revoked(r);
  return rows->size();
}

}  // namespace latchkey::auth
