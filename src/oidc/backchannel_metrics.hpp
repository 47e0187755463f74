#pragma once
// The back-channel logout queue's totals on /metrics: deliveries made, failed
// attempts to be tried again, deliveries given up (each also logged and in
// the audit trail), and store calls that failed.
#include "metrics/text_writer.hpp"
#include "oidc/backchannel_delivery.hpp"

namespace latchkey::oidc {

void write_backchannel_metrics(const BackchannelDelivery& delivery, metrics::TextWriter& out);

}  // namespace latchkey::oidc
