#pragma once
// JSON views of users, sessions, audit events and OAuth clients for
// administrators: the admin HTTP API's bodies and the CLI's --json output are
// the same.
#include <optional>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "auth/service.hpp"
#include "oidc/client_registry.hpp"
#include "store/store.hpp"
#include "util/time.hpp"

namespace latchkey::api {

// RFC 3339 text, or null.
boost::json::value time_or_null(std::optional<UnixSeconds> t);

// {id, username, created_at, disabled, disabled_at, live_sessions}
boost::json::object user_json(const store::UserSummary& u);
// One message of the outbox: never its detail (a link's token may be in it).
boost::json::object mail_json(const store::OutboxMail& m);
// A user's second factors: {"totp": {"enabled", "pending"}, "recovery_codes": {"remaining"}}.
boost::json::object factors_json(const store::FactorSummary& f);
// {session_id, created_at, last_used_at, expires_at, device, user_agent, ip, kind}
boost::json::object session_json(const auth::SessionInfo& s);
// {id, at, event, actor, user_id, username, session_id, ip, user_agent, detail}
boost::json::object event_json(const store::AuditEvent& e);
// The client's metadata (RFC 7591 names) with {client_id, created_at,
// updated_at, has_secret}: never a secret, nor its digest.
boost::json::object client_json(const oidc::Client& c);
// client_json with the secrets just issued, shown this once: client_secret
// (none for a public client) and, for a new client, the
// registration_access_token of RFC 7592 (/register/{client_id}).
boost::json::object registration_json(const oidc::Registration& r);

}  // namespace latchkey::api
