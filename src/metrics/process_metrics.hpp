#pragma once
// The process's own figures, read from /proc/self at each scrape, under the
// names every Prometheus client uses: process_resident_memory_bytes,
// process_virtual_memory_bytes, process_cpu_seconds_total,
// process_open_fds, process_max_fds, process_start_time_seconds.
#include "metrics/text_writer.hpp"

namespace latchkey::metrics {

// Writes what could be read (on a system without /proc, nothing).
void write_process_metrics(TextWriter& out);

}  // namespace latchkey::metrics
