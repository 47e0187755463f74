#pragma once
// The composition root: builds the server from the configuration (store,
// keys, auth jobs, worker lanes, routes, listeners, periodic jobs), serves
// until a stop signal, then drains. Returns the process exit code; a
// failure to start is one line on stderr.
#include "config/config.hpp"

namespace latchkey::app {

int serve(const config::Config& cfg);

}  // namespace latchkey::app
