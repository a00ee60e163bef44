// An expansion request (tllm_mutation_v1.propose, sdk/include/tinyllm/plugin.h) read into plain
// structs, what a strategy may ask the host while it proposes (Services), and what it answers
// (Proposal).
#pragma once

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinyllm::graph_edit {

// One failing run forensics kept as an example of a group.
struct FailureExample {
    std::string input;
    std::string output;
    std::string expected;
    std::string label;
    std::vector<std::string> reasons;
    std::vector<std::string> tools;
};

// What forensics found on the node's failing runs: one category and key
// ("judge_verdict" + "failure=wrong_number", "gate_rule" + "numeric_answer").
struct FailureGroup {
    std::string category;
    std::string key;
    int64_t count = 0;
    std::vector<std::pair<std::string, int64_t>> labels; // dataset label -> runs, as given
    std::vector<FailureExample> examples;
};

struct LabelStats {
    std::string label;
    int64_t graded = 0;
    int64_t failures = 0;
    double rate() const { return graded > 0 ? static_cast<double>(failures) / graded : 0.0; }
};

struct Metrics {
    int64_t requests = 0;
    int64_t graded = 0;
    int64_t failures = 0;
    double failure_rate = 0;
    std::vector<LabelStats> labels;                      // as given
    std::vector<std::pair<std::string, int64_t>> models; // model -> calls
    std::vector<std::pair<std::string, int64_t>> tools;  // tool -> calls
};

struct Request {
    json::Document doc; // the whole request; graph() points into it
    std::string node;
    std::vector<FailureGroup> failures;
    Metrics metrics;
    std::map<std::string, std::vector<std::string>> roles; // role -> models, smallest first

    const json::Value &graph() const { return doc["graph"]; }
    const json::Value &node_value() const; // the node being improved
};

// Throws sdk::Error(TLLM_ERR_INVALID_ARGUMENT) for a request that is not an object with a
// graph holding `node`.
Request parse_request(std::string_view request_json);

// What a strategy asks the host while it proposes. The plugin implements it over sdk::Host
// (HostServices below); tests script it.
class Services {
public:
    virtual ~Services() = default;
    // The prompt file `id` as the prompts service hands it out (JSON: system, template,
    // examples, format, model {role, min_size}...). Throws sdk::Error (NOT_FOUND when unknown).
    virtual std::string prompt(const std::string &id) = 0;
    // The models of `role` of at least `min_size`, smallest first. Throws sdk::Error.
    virtual std::vector<std::string> role_models(const std::string &role,
                                                 const std::string &min_size) = 0;
    // Whether a tool of that name exists.
    virtual bool has_tool(const std::string &name) = 0;
    // Ask a model; the answer's content. Throws sdk::Error.
    virtual std::string chat(const sdk::ChatRequest &request) = 0;
};

// Services through the host, within one propose call.
class HostServices final : public Services {
public:
    HostServices(const sdk::Host &host, const sdk::Call &call) : host_(host), call_(call) {}
    std::string prompt(const std::string &id) override { return host_.prompt(id); }
    std::vector<std::string> role_models(const std::string &role,
                                         const std::string &min_size) override {
        return host_.role_models(role, min_size);
    }
    bool has_tool(const std::string &name) override {
        try {
            host_.describe_tool(name);
            return true;
        } catch (const sdk::Error &e) {
            if (e.status() == TLLM_ERR_NOT_FOUND) return false;
            throw;
        }
    }
    std::string chat(const sdk::ChatRequest &request) override {
        call_.check_cancelled();
        return host_.chat(call_, request).content;
    }

private:
    const sdk::Host &host_;
    const sdk::Call &call_;
};

// A strategy's answer: candidates, and why there are no (or few) of them.
struct Proposal {
    std::vector<sdk::Candidate> candidates;
    std::vector<std::string> reasons;

    std::string to_json() const { return sdk::candidates_to_json(candidates, reasons); }
    static Proposal none(std::string reason) { return Proposal{{}, {std::move(reason)}}; }
};

// "1 example" / "3 examples".
std::string plural(int64_t n, std::string_view word, std::string_view words = {});
// A share as a whole percentage: "62%".
std::string percent(double share);

} // namespace tinyllm::graph_edit
