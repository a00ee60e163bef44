// `tinyllm eval --dataset FILE --graph G`: every example of a graded dataset run through the
// graph (recorded like any run), its answer graded by a judge, and the grade recorded under the
// evaluation's id, with N examples in flight at once. What finished is kept when the evaluation
// is interrupted (Ctrl-C): the evaluation is then marked incomplete.
#pragma once

#include "cli/eval_dataset.hpp"
#include "expansion/live_experiment.hpp"
#include "graph/graph.hpp"
#include "trace/trace.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::cli {

class Context;

namespace eval {

struct GraphEvalSettings {
    std::string dataset;        // as given (recorded)
    std::string dataset_sha256; // of the file's bytes
    std::string judge;          // "" = the default judge
    int concurrency = 4;
    int64_t timeout_ms = 0; // per example; 0 = limits.request_timeout_ms
};

// One example's outcome.
struct ExampleResult {
    size_t index = 0;
    std::string id;
    std::vector<std::pair<std::string, std::string>> labels; // the example's
    std::string run_id;
    trace::RunStatus status = trace::RunStatus::failed;
    std::string error_code; // the run's, when it failed
    std::string error_message;
    std::string answer;
    // The grade: a failed run scores 0 (there is no answer); a judge that failed leaves
    // judge_error set and the example not passed.
    bool pass = false;
    std::optional<double> score;
    std::string judge_error;
    std::vector<std::string> reasons;
    bool candidate_arm = false; // a live experiment's split ran the candidate for it
    double run_ms = 0;          // the run, wall clock
    double model_ms = 0;        // the sum of its model calls' own time
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
    int64_t model_calls = 0;
    int64_t tool_calls = 0;
};

struct GraphEvaluation {
    std::string id; // e-...
    std::string graph_id;
    std::string graph_version;
    std::string judge; // the judge's name as resolved
    GraphEvalSettings settings;
    size_t example_count = 0;
    std::vector<ExampleResult> results; // the examples that finished, by index
    bool interrupted = false;
    double wall_ms = 0;
    std::optional<Error> store_error; // the first recording failure, if any
    // A live experiment on the evaluated version (LiveArm): its id, candidate, and what it did.
    std::string experiment_id;
    std::string candidate_version;
    size_t candidate_examples = 0;
    std::string experiment_outcome; // one line when it was decided or paused during the eval
};

// A live experiment on the evaluated version (expansion/live_experiment.hpp): the requests its
// split routes to the candidate run `candidate` instead, and every routed request's grade is
// recorded as an outcome of its arm. Only when the evaluation's judge is the experiment's.
struct LiveArm {
    expansion::LiveExperiment *experiment = nullptr;
    const graph::Graph *candidate = nullptr;
};

// Runs the evaluation; `progress(done, total)` after each example [the command's thread or a
// worker; serialised]. Records the evaluation (begin, grades, finish) in the context's store.
GraphEvaluation evaluate_graph(Context &ctx, const graph::Graph &graph,
                               const std::vector<Example> &examples,
                               const GraphEvalSettings &settings,
                               const std::function<void(size_t, size_t)> &progress,
                               LiveArm live = {});

// The SHA-256 of a file's bytes, as 64 lowercase hex digits; Error(usage) when unreadable.
std::string file_sha256(const std::string &path);

} // namespace eval
} // namespace tinyllm::cli
