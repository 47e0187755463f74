#include "api/admin_json.hpp"

#include <boost/json.hpp>

namespace latchkey::api {

namespace json = boost::json;

namespace {

json::value text_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return json::value(s);
}

}  // namespace

json::value time_or_null(std::optional<UnixSeconds> t) {
  if (!t) return nullptr;
  return json::value(format_rfc3339(*t));
}

json::object user_json(const store::UserSummary& u) {
  return json::object{{"id", u.user.id},
                      {"username", u.user.username},
                      {"created_at", format_rfc3339(u.user.created_at)},
                      {"disabled", u.user.disabled_at.has_value()},
                      {"disabled_at", time_or_null(u.user.disabled_at)},
                      {"email", u.user.email.empty() ? json::value(nullptr) : json::value(u.user.email)},
                      {"email_verified", u.user.email_verified},
                      {"live_sessions", u.live_sessions}};
}

json::object mail_json(const store::OutboxMail& m) {
  const char* status = m.sent_at ? "sent" : m.gave_up_at ? "failed" : "pending";
  return json::object{{"id", m.id},
                      {"kind", m.kind},
                      {"recipient", m.recipient},
                      {"status", status},
                      {"created_at", format_rfc3339(m.created_at)},
                      {"attempts", m.attempts},
                      {"next_attempt_at", m.sent_at || m.gave_up_at ? json::value(nullptr)
                                                                    : json::value(format_rfc3339(m.next_attempt_at))},
                      {"last_error", m.last_error},
                      {"sent_at", time_or_null(m.sent_at)},
                      {"gave_up_at", time_or_null(m.gave_up_at)}};
}

json::object session_json(const auth::SessionInfo& s) {
  return json::object{{"session_id", s.session.id},
                      {"created_at", format_rfc3339(s.session.created_at)},
                      {"last_used_at", format_rfc3339(s.session.last_used_at)},
                      {"expires_at", format_rfc3339(s.expires_at)},
                      {"device", s.device},
                      {"user_agent", s.session.user_agent},
                      {"ip", s.session.ip},
                      {"kind", s.session.kind}};
}

json::object event_json(const store::AuditEvent& e) {
  boost::system::error_code ec;
  json::value detail = json::parse(e.detail, ec);
  if (ec || !detail.is_object()) detail = json::object{};
  return json::object{{"id", e.id},
                      {"at", format_rfc3339(e.at)},
                      {"event", e.event},
                      {"actor", e.actor},
                      {"user_id", text_or_null(e.user_id)},
                      {"username", text_or_null(e.username)},
                      {"session_id", text_or_null(e.session_id)},
                      {"ip", text_or_null(e.ip)},
                      {"user_agent", text_or_null(e.user_agent)},
                      {"detail", std::move(detail)}};
}

json::object client_json(const oidc::Client& c) {
  json::object o = oidc::to_json(c.metadata);
  o["client_id"] = c.id;
  o["created_at"] = format_rfc3339(c.created_at);
  o["updated_at"] = format_rfc3339(c.updated_at);
  o["has_secret"] = c.has_secret;
  return o;
}

json::object registration_json(const oidc::Registration& r) {
  json::object o = client_json(r.client);
  if (!r.secret.empty()) o["client_secret"] = r.secret;
  if (!r.registration_token.empty()) o["registration_access_token"] = r.registration_token;
  return o;
}

json::object factors_json(const store::FactorSummary& f) {
  return json::object{{"totp", json::object{{"enabled", f.totp}, {"pending", f.totp_pending}}},
                      {"recovery_codes", json::object{{"remaining", f.recovery_codes}}},
                      {"passkeys", json::object{{"count", f.passkeys}}}};
}

}  // namespace latchkey::api
