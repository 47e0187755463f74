#include "oidc/backchannel_metrics.hpp"

namespace latchkey::oidc {

void write_backchannel_metrics(const BackchannelDelivery& delivery, metrics::TextWriter& out) {
  const BackchannelDelivery::Counters n = delivery.counters();
  out.family("latchkey_backchannel_logouts_total", "counter",
             "Back-channel logout attempts (OpenID Connect Back-Channel Logout 1.0), by outcome: delivered, "
             "failed (tried again later) or gave_up (the last attempt failed).");
  out.sample("latchkey_backchannel_logouts_total", {{"outcome", "delivered"}}, n.delivered);
  out.sample("latchkey_backchannel_logouts_total", {{"outcome", "failed"}}, n.failed);
  out.sample("latchkey_backchannel_logouts_total", {{"outcome", "gave_up"}}, n.gave_up);
  out.family("latchkey_backchannel_store_errors_total", "counter",
             "Calls to the back-channel logout queue in the database that failed.");
  out.sample("latchkey_backchannel_store_errors_total", {}, n.store_errors);
}

}  // namespace latchkey::oidc
