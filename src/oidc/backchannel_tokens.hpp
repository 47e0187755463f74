#pragma once
// The logout tokens the back-channel deliveries carry: signed with the key
// of the algorithm the client registered for its ID tokens (what it already
// verifies), RS256 when that is gone.
#include <string>

#include "auth/service.hpp"
#include "oidc/backchannel_delivery.hpp"
#include "oidc/client_registry.hpp"

namespace latchkey::oidc {

// Blocking (reads the client): for BackchannelDelivery's thread.
BackchannelDelivery::TokenMaker logout_token_maker(auth::Service& service, ClientRegistry& clients, std::string issuer);

// Records a delivery given up in the audit trail.
BackchannelDelivery::GaveUpHook audit_gave_up(auth::AuditLog& audit);

}  // namespace latchkey::oidc
