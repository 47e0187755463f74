#pragma once
// The operational endpoints: GET /readyz (200 when the database answers and a
// signing key is loaded, else 503 with the reasons) and GET /metrics
// (Prometheus text format 0.0.4); on the separate metrics listener also
// GET /healthz. None of them is rate limited, and none touches the database:
// they read what Ops's periodic checks recorded.
#include "api/ops.hpp"
#include "http/router.hpp"

namespace latchkey::api {

struct OpsRoutes {
  bool metrics = true;   // false when METRICS_PORT serves /metrics elsewhere
  bool healthz = false;  // the API routes already have /healthz
};

void add_ops_routes(http::Router& router, const Ops& ops, OpsRoutes which);

}  // namespace latchkey::api
