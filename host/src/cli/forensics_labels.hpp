// The route an evaluated run should have taken, from its evaluation's dataset: the store keeps
// a grade's evaluation and example index, not the example's labels, so they are read again from
// the dataset file, and only when its SHA-256 is still the one the evaluation recorded (a file
// edited since could label another example with that index).
#pragma once

#include "cli/eval_dataset.hpp"
#include "store/run_store.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::cli {

class DatasetRoutes {
public:
    explicit DatasetRoutes(const store::RunStore &store) : store_(store) {}

    // The "route" label of the example `grade` graded, when the grade belongs to an evaluation
    // whose dataset is readable and unchanged; nullopt otherwise.
    std::optional<std::string> route_of(const store::GradeRecord &grade);

    // One line per evaluation whose dataset could not be used ("evaluation e-1: its dataset
    // data.jsonl changed since: ..."), for the report to say why routes were not checked.
    const std::vector<std::string> &notes() const noexcept { return notes_; }

private:
    // The routes of an evaluation's examples by index ("" for an example without one); nullopt
    // when the dataset cannot be used.
    const std::optional<std::vector<std::string>> &routes_of(const std::string &evaluation_id);

    const store::RunStore &store_;
    std::map<std::string, std::optional<std::vector<std::string>>> routes_;
    std::vector<std::string> notes_;
};

} // namespace tinyllm::cli
