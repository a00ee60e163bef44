// The process that replays an experiment, recorded in its settings: an offline experiment is
// driven by one `tinyllm expansion trigger` (or resume), and when that process dies (kill -9,
// a crash, a reboot) the experiment must not look as if it were still running. The next
// `expansion` command finds it and pauses it, to be resumed or cancelled (it still holds its
// node until then: one experiment per node).
#pragma once

#include "store/graph_store.hpp"

#include <string>

namespace tinyllm::expansion {

// ExperimentRecord::settings for an experiment this process is about to run: how it is decided
// ("decided_on": "replay" or "live", by the share), the error rate its sequential test uses
// ("alpha": expansion.yaml's, divided among the candidates one expansion may test, so that the
// expansion as a whole promotes a no-better candidate at most alpha of the time) and this
// process as its owner.
std::string experiment_settings(double share, double alpha);
// The experiment's alpha from its settings; `fallback` when they have none.
double experiment_alpha(const store::ExperimentRecord &experiment, double fallback);

// Offline experiments whose owner is certainly gone (store/owner.hpp) are paused with that
// reason. Returns how many.
size_t pause_interrupted_experiments(store::GraphStore &graphs);

} // namespace tinyllm::expansion
