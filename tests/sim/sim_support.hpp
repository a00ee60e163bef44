// Helpers of the simulated backend's tests: a Simulator over the shipped datasets with a config
// given as JSON, chat requests shaped as the host writes them, and a call to run them with.
#pragma once

#include "simulator.hpp"
#include "test_call.hpp"

#include "tinyllm/json.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace tinyllm::sim::test {

inline const std::string kDatasetsDir = TINYLLM_EVAL_DATA_DIR;

// A one-model config: `model` of size 1.5b with `accuracy` for every label, no sleeping.
inline std::string config_json(double accuracy, int64_t seed = 0, const std::string &extra = "",
                               const std::string &model = "sim-1.5b") {
    const std::string p = std::to_string(accuracy);
    return R"({"seed":)" + std::to_string(seed) + R"(,"time_scale":0,"models":{")" + model +
           R"(":{"size":"1.5b","accuracy":{"arithmetic":)" + p + R"(,"word_problems":)" + p +
           R"(,"code":)" + p + R"(,"general":)" + p + R"(,"routing":)" + p +
           R"(},"tool_call_rate":1}})" + extra +
           R"(,"datasets":["arithmetic.jsonl","word_problems.jsonl","code.jsonl","general.jsonl"]})";
}

inline Simulator simulator(const std::string &config) {
    return Simulator(SimConfig::from_json(config), kDatasetsDir);
}

struct Turn {
    std::string role;
    std::string content;
    std::string tool_calls_json = {}; // assistant: a JSON array, or ""
};

// The chat request the host writes: model, messages, then the optional members as JSON text.
inline std::string chat_request(const std::string &model, const std::vector<Turn> &turns,
                                bool stream = false, const std::string &format_json = "",
                                const std::string &tools_json = "") {
    std::string out = R"({"model":")" + model + R"(","messages":[)";
    for (size_t i = 0; i < turns.size(); ++i) {
        out += std::string(i ? "," : "") + R"({"role":")" + turns[i].role + R"(","content":")" +
               sdk::json_escape(turns[i].content) + "\"";
        if (!turns[i].tool_calls_json.empty())
            out += R"(,"tool_calls":)" + turns[i].tool_calls_json;
        out += "}";
    }
    out += "]";
    out += std::string(R"(,"stream":)") + (stream ? "true" : "false");
    if (!format_json.empty()) out += R"(,"format":)" + format_json;
    if (!tools_json.empty()) out += R"(,"tools":)" + tools_json;
    return out + "}";
}

inline std::string ask(const std::string &model, const std::string &question) {
    return chat_request(model, {{"user", question}});
}

// The calculator's definition as the model node offers it (tinyllm.tools/1 describe).
inline const std::string kCalculatorTools =
    R"([{"type":"function","function":{"name":"calculator","description":"Evaluates arithmetic",)"
    R"("parameters":{"type":"object","properties":{"expression":{"type":"string"}},)"
    R"("required":["expression"]}}}])";

// Runs `request` through Simulator::chat; the call's output, or the test fails.
inline json::Document chat(const Simulator &sim, const std::string &request,
                           tinyllm::testing::TestCall *call = nullptr) {
    tinyllm::testing::TestCall own;
    tinyllm::testing::TestCall &c = call != nullptr ? *call : own;
    const tllm_status status = c.run([&](sdk::Call &sc) { return sim.chat(sc, request); });
    EXPECT_EQ(status, TLLM_OK) << c.error();
    return json::parse_object(c.output(), "chat response");
}

inline std::string content_of(const json::Document &response) {
    return response["message"]["content"].GetString();
}

// The examples of one dataset label, in file order.
inline std::vector<const Example *> examples_of(const Simulator &sim, const std::string &category) {
    std::vector<const Example *> out;
    for (const Example &e : sim.dataset().examples()) {
        if (e.category == category) out.push_back(&e);
    }
    return out;
}

} // namespace tinyllm::sim::test
