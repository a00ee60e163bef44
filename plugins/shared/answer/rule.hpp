// One check of an answer. The gate and the rules judge build their rules once from their config
// (create time: a bad pattern or schema fails the graph's build, never a run) and then only read
// them, from any number of runs at once, so check() is const and keeps no state.
#pragma once

#include "markdown.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace tinyllm::answer {

// The answer under test, with what several rules need computed once.
struct Answer {
    explicit Answer(std::string content_text, std::string request_text = {})
        : content(std::move(content_text)), request(std::move(request_text)),
          fences(find_fences(content)) {}
    std::string content;
    std::string request; // what the answer answers (the message's input), for judges
    Fences fences;
};

// The host's tools as the rules use them: the result document of a tool call, or
// tinyllm::sdk::Error with the tool's status and message. An interface so the rules can be
// tested without a host, and so the plugin decides how calls are made (its tllm_call).
class Tools {
public:
    virtual ~Tools() = default;
    virtual std::string call(const std::string &tool, const std::string &arguments_json) = 0;
    // The verdict of the judge `judge` ("" = the default judge) on a grade request
    // (tinyllm.judges/1), or tinyllm::sdk::Error.
    virtual std::string grade(const std::string &judge, const std::string &request_json);
    // Called before each rule: throws to stop the checks (the run was cancelled).
    virtual void checkpoint() {}
};

struct Outcome {
    bool pass = true;
    std::string reason; // why it failed, written for the model that has to fix the answer
    std::string detail; // anything worth keeping in the trace: what was checked, a note
};

class Rule {
public:
    virtual ~Rule() = default;
    // Failures are outcomes; an exception means the check could not be made at all (a tool
    // that is unavailable, a cancelled call) and ends the node.
    virtual Outcome check(const Answer &answer, Tools &tools) const = 0;
    // The tool the rule calls, "" for none: activate checks that it exists.
    virtual std::string tool() const { return {}; }
};

using RulePtr = std::unique_ptr<const Rule>;

} // namespace tinyllm::answer
