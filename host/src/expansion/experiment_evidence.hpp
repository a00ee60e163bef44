// An experiment's evidence as the store keeps it (ExperimentRecord::evidence, a JSON object):
// one member per phase that has been tested ("screening", "decision"), each the sequential
// test's figures, so `tinyllm expansion status` and the JSON outputs show how far it went.
#pragma once

#include "tinyllm/json.hpp"
#include "tinyllm/sequential_test.hpp"

#include <string>
#include <string_view>

namespace tinyllm::expansion {

json::Value pair_evidence_json(const stats::PairEvidence &evidence, json::Allocator &a);

// `evidence_text` (an experiment's evidence, "" = {}) with `member` set to `value`.
std::string with_evidence(std::string_view evidence_text, const char *member, json::Value value);

} // namespace tinyllm::expansion
