// The ensemble judge: grades with other judges by name (through the host's judges service, so
// each is whatever judges.yaml configures) and combines their verdicts: all pass, any passes, or
// a weighted mean score over a threshold. Reasons are prefixed with the judge's name and labels
// flattened as "name.key", so failure forensics can tell which judge said what. A judge that
// fails fails the ensemble's grade, naming it: an ensemble never passes on a missing verdict.
//
// The combination is plain code over verdict texts, tested without a host; plugin.cpp asks the
// judges.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::ensemble {

enum class Mode { all, any, weighted };

struct EnsembleConfig {
    std::vector<std::string> judges;
    Mode mode = Mode::all;
    std::vector<double> weights; // one per judge, 1 unless configured
    double threshold = 0.5;
};

// The config as its schema (config_schema.hpp) describes it; throws sdk::Error(INVALID_ARGUMENT)
// naming the option: no judges, a name twice, a weight for a judge not in the list, weights that
// add up to 0 in weighted mode.
EnsembleConfig parse_ensemble_config(std::string_view config_json);

// Asks one judge by name: its verdict (or preference) JSON, checked by the host, or throws
// sdk::Error with the judge's status.
using AskJudge = std::function<std::string(const std::string &judge)>;

// Every judge grades; the verdict JSON of the ensemble. Throws sdk::Error with the failing
// judge's status and its name in the message.
std::string ensemble_grade(const EnsembleConfig &config, const AskJudge &grade);

// Every judge that compares is asked (those answering TLLM_ERR_UNSUPPORTED are left out); the
// preference with the most (weighted, in weighted mode) votes wins, a tie between the most
// voted is "tie". Throws UNSUPPORTED when none of the judges compares.
std::string ensemble_compare(const EnsembleConfig &config, const AskJudge &compare);

} // namespace tinyllm::ensemble
