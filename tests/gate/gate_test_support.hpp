// Shared pieces of the gate tests: a scripted Tools (the rules' view of the host's tools), and
// running one rule or a whole gate config over an answer without a host.
#pragma once

#include "answer/rules.hpp"
#include "gate.hpp"

#include <tinyllm/plugin.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace tinyllm::gate::test {

// Answers every tool call with `respond` (default: no tools) and records the calls.
class FakeTools final : public Tools {
public:
    using Respond = std::function<std::string(const std::string &tool, const std::string &args)>;
    FakeTools() = default;
    explicit FakeTools(Respond respond) : respond_(std::move(respond)) {}

    std::string call(const std::string &tool, const std::string &arguments_json) override {
        calls.emplace_back(tool, arguments_json);
        if (!respond_) throw sdk::Error(TLLM_ERR_NOT_FOUND, "no tools in this test");
        return respond_(tool, arguments_json);
    }

    // Judges answer with `judge_verdict` (a verdict JSON), or are not available when it is "".
    std::string grade(const std::string &judge, const std::string &request_json) override {
        grades.emplace_back(judge, request_json);
        if (judge_verdict.empty()) return Tools::grade(judge, request_json);
        return judge_verdict;
    }

    std::vector<std::pair<std::string, std::string>> calls;
    std::vector<std::pair<std::string, std::string>> grades;
    std::string judge_verdict;

private:
    Respond respond_;
};

// A tool that always returns `result` (a result document).
inline FakeTools::Respond returns(std::string result) {
    return [result](const std::string &, const std::string &) { return result; };
}

// A tool that always fails with `status` and `message`.
inline FakeTools::Respond throws(tllm_status status, std::string message) {
    return [status, message](const std::string &, const std::string &) -> std::string {
        throw sdk::Error(status, message);
    };
}

inline Outcome check(const Rule &rule, const std::string &content, Tools &tools) {
    return rule.check(Answer(content), tools);
}

inline Outcome check(const Rule &rule, const std::string &content) {
    FakeTools none;
    return check(rule, content, none);
}

// The sdk::Error `f` throws (status and message), or a test failure.
template <typename F> std::pair<tllm_status, std::string> sdk_error_of(F &&f) {
    try {
        f();
    } catch (const sdk::Error &e) {
        return {e.status(), e.what()};
    }
    ADD_FAILURE() << "expected an sdk::Error";
    return {TLLM_OK, ""};
}

} // namespace tinyllm::gate::test
