// RunStore::metrics: the window by time from the rollups (hours where whole hours fit, minutes
// at the edges), or the last N runs recounted from their rows, into a MetricsReport.
#pragma once

#include "store/metrics.hpp"
#include "store/sqlite.hpp"

namespace tinyllm::store::metrics_query {

// Reads in the caller's transaction (one snapshot). `now_ms` is the default end of the window.
MetricsReport run(sqlite::Database &db, const MetricsQuery &query, int64_t now_ms);

} // namespace tinyllm::store::metrics_query
