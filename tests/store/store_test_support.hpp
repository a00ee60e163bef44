// Shared helpers of the run store tests: a temp dir per test, catching a tinyllm::Error, sample
// traces and a field-by-field comparison of runs.
#pragma once

#include "store/run_store.hpp"
#include "store/sqlite.hpp"
#include "tinyllm/error.hpp"
#include "trace/trace.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support_common.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <unistd.h>

namespace tinyllm::store_test {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A temp dir whose run store lives at data/runs.db.
class TempDir : public test_support::TempDir {
public:
    std::filesystem::path db() const { return path() / "data" / "runs.db"; }
};

inline std::string read_file(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

using test_support::error_of;

inline int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

inline std::unique_ptr<store::RunStore> open_store(const fs::path &path) {
    store::StoreOptions options;
    options.path = path;
    return store::RunStore::open(options);
}

// A raw connection, to look at or tamper with the file behind the store's back.
inline std::unique_ptr<store::sqlite::Database> raw(const fs::path &path) {
    auto db = std::make_unique<store::sqlite::Database>(path, "test db " + path.string());
    db->set_busy_timeout(5000);
    return db;
}

// A run as begin_run sees it.
inline trace::Run started_run(const std::string &id, int64_t started_at_ms,
                              const std::string &graph_id = "chat",
                              const std::string &graph_version = "v1") {
    trace::Run run;
    run.id = id;
    run.graph_id = graph_id;
    run.graph_version = graph_version;
    run.input = "what is 2+2?";
    run.started_at_ms = started_at_ms;
    return run;
}

inline trace::NodeExecution simple_node(int64_t seq, int64_t started_at_ms) {
    trace::NodeExecution node;
    node.seq = seq;
    node.node_id = "answer";
    node.node_type = "llm";
    node.started_at_ms = started_at_ms;
    node.duration_us = 1500;
    node.input = R"({"role":"user","content":"hi"})";
    node.output = R"({"role":"assistant","content":"hello"})";
    trace::ModelCall call;
    call.model = "qwen-small";
    call.backend = "local";
    call.started_at_ms = started_at_ms;
    call.duration_us = 1400;
    call.prompt_tokens = 10;
    call.completion_tokens = 5;
    node.model_calls.push_back(call);
    return node;
}

inline void finish(trace::Run &run, trace::RunStatus status, int64_t finished_at_ms) {
    run.status = status;
    run.finished_at_ms = finished_at_ms;
    if (status == trace::RunStatus::succeeded) {
        run.output = R"({"role":"assistant","content":"4"})";
        run.answer = "4";
    }
}

inline void expect_same(const trace::ModelCall &a, const trace::ModelCall &b) {
    EXPECT_EQ(a.model, b.model);
    EXPECT_EQ(a.backend, b.backend);
    EXPECT_EQ(a.started_at_ms, b.started_at_ms);
    EXPECT_EQ(a.duration_us, b.duration_us);
    EXPECT_EQ(a.prompt_tokens, b.prompt_tokens);
    EXPECT_EQ(a.completion_tokens, b.completion_tokens);
    EXPECT_EQ(a.load_duration_ns, b.load_duration_ns);
    EXPECT_EQ(a.prompt_eval_duration_ns, b.prompt_eval_duration_ns);
    EXPECT_EQ(a.eval_duration_ns, b.eval_duration_ns);
    EXPECT_EQ(a.total_duration_ns, b.total_duration_ns);
    EXPECT_EQ(a.error, b.error);
}

inline void expect_same(const trace::ToolCall &a, const trace::ToolCall &b) {
    EXPECT_EQ(a.tool, b.tool);
    EXPECT_EQ(a.arguments, b.arguments);
    EXPECT_EQ(a.result, b.result);
    EXPECT_EQ(a.started_at_ms, b.started_at_ms);
    EXPECT_EQ(a.duration_us, b.duration_us);
    EXPECT_EQ(a.error, b.error);
}

inline void expect_same(const trace::NodeExecution &a, const trace::NodeExecution &b) {
    SCOPED_TRACE("node seq " + std::to_string(a.seq));
    EXPECT_EQ(a.seq, b.seq);
    EXPECT_EQ(a.node_id, b.node_id);
    EXPECT_EQ(a.node_type, b.node_type);
    EXPECT_EQ(a.attempt, b.attempt);
    EXPECT_EQ(a.visit, b.visit);
    EXPECT_EQ(a.branch, b.branch);
    EXPECT_EQ(a.started_at_ms, b.started_at_ms);
    EXPECT_EQ(a.duration_us, b.duration_us);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.input, b.input);
    EXPECT_EQ(a.output, b.output);
    EXPECT_EQ(a.route, b.route);
    EXPECT_EQ(a.error, b.error);
    EXPECT_EQ(a.error_code, b.error_code);
    ASSERT_EQ(a.model_calls.size(), b.model_calls.size());
    for (size_t i = 0; i < a.model_calls.size(); ++i)
        expect_same(a.model_calls[i], b.model_calls[i]);
    ASSERT_EQ(a.tool_calls.size(), b.tool_calls.size());
    for (size_t i = 0; i < a.tool_calls.size(); ++i)
        expect_same(a.tool_calls[i], b.tool_calls[i]);
}

// Everything but the nodes (list does not load them).
inline void expect_same_header(const trace::Run &a, const trace::Run &b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.graph_id, b.graph_id);
    EXPECT_EQ(a.graph_version, b.graph_version);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.input, b.input);
    EXPECT_EQ(a.output, b.output);
    EXPECT_EQ(a.answer, b.answer);
    EXPECT_EQ(a.error_code, b.error_code);
    EXPECT_EQ(a.error_message, b.error_message);
    EXPECT_EQ(a.error_node, b.error_node);
    EXPECT_EQ(a.started_at_ms, b.started_at_ms);
    EXPECT_EQ(a.finished_at_ms, b.finished_at_ms);
}

inline void expect_same(const trace::Run &a, const trace::Run &b) {
    SCOPED_TRACE("run " + a.id);
    expect_same_header(a, b);
    ASSERT_EQ(a.nodes.size(), b.nodes.size());
    for (size_t i = 0; i < a.nodes.size(); ++i)
        expect_same(a.nodes[i], b.nodes[i]);
}

} // namespace tinyllm::store_test
