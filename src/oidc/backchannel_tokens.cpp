#include "oidc/backchannel_tokens.hpp"

#include "oidc/logout_token.hpp"

namespace latchkey::oidc {

BackchannelDelivery::TokenMaker logout_token_maker(auth::Service& service, ClientRegistry& clients, std::string issuer) {
  return [&service, &clients, issuer = std::move(issuer)](const store::LogoutDelivery& d) -> std::string {
    token::Alg alg = token::Alg::RS256;
    if (auto client = clients.find(d.client_id)) {
      if (auto registered = token::alg_from_name(client->metadata.id_token_signed_response_alg)) alg = *registered;
    }
    const auto keys = service.tokens().keys();  // held: a reload may swap the set meanwhile
    const token::SigningKey* key = keys->signer(alg);
    if (!key) key = keys->signer(token::Alg::RS256);
    if (!key) return {};  // no key signs: left due, tried again later
    return sign_logout_token(LogoutClaims{issuer, d.client_id, d.user_id, d.session_id, service.clock()()}, *key).jwt;
  };
}

BackchannelDelivery::GaveUpHook audit_gave_up(auth::AuditLog& audit) {
  return [&audit](const store::LogoutDelivery& d, std::string_view reason) {
    audit.record({.event = "backchannel_logout_gave_up", .actor = "system", .user_id = d.user_id,
                  .session_id = d.session_id,
                  .detail = auth::audit_detail({{"client_id", std::string_view(d.client_id)}, {"reason", reason},
                                                {"attempts", d.attempts + 1}})});
  };
}

}  // namespace latchkey::oidc
