#include "cli/forensics_labels.hpp"

#include "cli/graph_evaluation.hpp"

#include <filesystem>

namespace tinyllm::cli {

const std::optional<std::vector<std::string>> &
DatasetRoutes::routes_of(const std::string &evaluation_id) {
    const auto known = routes_.find(evaluation_id);
    if (known != routes_.end()) return known->second;
    auto &routes = routes_[evaluation_id];
    const std::optional<store::EvaluationRecord> evaluation = store_.evaluation(evaluation_id);
    if (!evaluation || evaluation->dataset.empty()) return routes;
    const std::string &file = evaluation->dataset;
    const std::string why = "evaluation " + evaluation_id + ": its dataset " + file;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        notes_.push_back(why + " is not readable from here: its routes were not checked");
        return routes;
    }
    try {
        if (eval::file_sha256(file) != evaluation->dataset_sha256) {
            notes_.push_back(why + " changed since: its routes were not checked");
            return routes;
        }
        std::vector<std::string> by_index;
        for (const eval::Example &e : eval::read_examples_file(file)) {
            by_index.resize(std::max(by_index.size(), e.index + 1));
            for (const auto &[name, value] : e.labels) {
                if (name == "route") by_index[e.index] = value;
            }
        }
        routes = std::move(by_index);
    } catch (const Error &e) {
        notes_.push_back(why + ": " + e.what() + ": its routes were not checked");
    }
    return routes;
}

std::optional<std::string> DatasetRoutes::route_of(const store::GradeRecord &grade) {
    if (grade.evaluation_id.empty() || !grade.example_index) return std::nullopt;
    const auto &routes = routes_of(grade.evaluation_id);
    const auto index = static_cast<size_t>(*grade.example_index);
    if (!routes || index >= routes->size() || (*routes)[index].empty()) return std::nullopt;
    return (*routes)[index];
}

} // namespace tinyllm::cli
