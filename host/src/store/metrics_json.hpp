// The metrics report as JSON: what `tinyllm metrics show --json` prints and serve's
// /tinyllm/v1/metrics answers (the window, the trend's parts, and per node its totals, latency
// percentiles and the trend of each figure).
#pragma once

#include "store/metrics.hpp"
#include "tinyllm/json.hpp"

namespace tinyllm::store {

// `last`: the --last N asked for, shown in the window when it is by runs.
json::Document metrics_json(const MetricsReport &report, size_t last);

} // namespace tinyllm::store
