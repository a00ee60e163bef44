// Stage 2's logic: the decision from the per-route similarities, and the reading of the host's
// embeddings answer. The host calls (embedding the examples in activate, the request per call)
// are the plugin's; what is here takes vectors and text, so it is tested on its own.
#pragma once

#include "semantic_index.hpp"
#include "stage_result.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::router {

class SemanticStage {
public:
    // `thresholds`: one per route; `examples`: the texts, in the index's order (for details).
    SemanticStage(std::vector<std::string> routes, std::vector<double> thresholds, double margin,
                  SemanticIndex index, std::vector<std::string> examples);

    // Sure when the best route's similarity reaches its threshold and beats the runner-up's by
    // at least the margin; confidence is that similarity (clamped to 0..1). Scores are every
    // route's similarity (kNoScore for routes without examples). Throws std::invalid_argument
    // when `query` has other dimensions than the examples. Thread-safe.
    StageResult classify(std::span<const float> query) const;

    const SemanticIndex &index() const noexcept { return index_; }

private:
    std::vector<std::string> routes_;
    std::vector<double> thresholds_;
    double margin_;
    SemanticIndex index_;
    std::vector<std::string> examples_;
};

// The vectors of the host's embed answer ({"embeddings":[[...],...]}), checked: exactly
// `expected` vectors of one non-zero dimension. Throws std::runtime_error saying what is wrong.
std::vector<std::vector<float>> parse_embeddings(std::string_view json, size_t expected);

} // namespace tinyllm::router
