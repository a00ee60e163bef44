#include "cli/graph_evaluation.hpp"

#include "tinyllm/digest.hpp"

#include "cli/context.hpp"
#include "cli/store_recorder.hpp"
#include "expansion/trigger_check.hpp"
#include "graph/executor.hpp"
#include "store/run_id.hpp"
#include "tinyllm/json.hpp"
#include "tinyllm/wall_clock.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

namespace tinyllm::cli::eval {

namespace {

std::string evaluation_id() {
    // The run ids' format (time-sortable, unique), with the evaluation's own first letter.
    std::string id = store::new_run_id();
    if (!id.empty() && id[0] == 'r') id[0] = 'e';
    return id;
}

std::string grade_request(const Example &example, const std::string &answer) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    doc.AddMember("input", json::string_value(example.input, a), a);
    doc.AddMember("output", json::string_value(answer, a), a);
    if (example.expected) doc.AddMember("expected", json::string_value(*example.expected, a), a);
    json::Document context = json::parse_object(example.context, "context");
    doc.AddMember("context", json::Value(context, a), a);
    return json::to_string(doc);
}

// What the trace says the run cost.
void add_costs(const trace::Run &run, ExampleResult &r) {
    for (const trace::NodeExecution &n : run.nodes) {
        for (const trace::ModelCall &m : n.model_calls) {
            r.model_ms += static_cast<double>(m.duration_us) / 1000.0;
            r.prompt_tokens += m.prompt_tokens.value_or(0);
            r.completion_tokens += m.completion_tokens.value_or(0);
            ++r.model_calls;
        }
        r.tool_calls += static_cast<int64_t>(n.tool_calls.size());
    }
    if (run.finished_at_ms > 0)
        r.run_ms = static_cast<double>(run.finished_at_ms - run.started_at_ms);
}

// The node that wrote the run's answer: the last succeeded execution of a node with
// `answer: true` (an exit otherwise), so metrics show its judge score.
// The node whose answer is graded: the last one that wrote the answer before the exit (a
// specialist a gate checked), else the exit itself (a one-node graph). An exit that only passes
// the answer on is not blamed for it: metrics and self-improvement look at the writer.
std::string answer_node(const graph::Graph &graph, const trace::Run &run) {
    std::string exit;
    for (auto it = run.nodes.rbegin(); it != run.nodes.rend(); ++it) {
        if (it->status != trace::NodeStatus::succeeded) continue;
        const graph::Node *node = graph.find(it->node_id);
        if (node == nullptr || !node->writes_answer) continue;
        if (!node->is_exit) return it->node_id;
        if (exit.empty()) exit = it->node_id;
    }
    return exit;
}

// The verdict's labels, plus the example's expected route (forensics tells a wrong route by it).
std::string grade_labels(const json::Value *verdict_labels, const Example &example) {
    json::Document labels(rapidjson::kObjectType);
    if (verdict_labels != nullptr && verdict_labels->IsObject())
        labels.CopyFrom(*verdict_labels, labels.GetAllocator());
    for (const auto &[key, value] : example.labels) {
        if (key != "route" || labels.HasMember("expected_route")) continue;
        labels.AddMember("expected_route", json::string_value(value, labels.GetAllocator()),
                         labels.GetAllocator());
    }
    return json::to_string(labels);
}

std::string json_array(const std::vector<std::string> &items) {
    json::Document doc(rapidjson::kArrayType);
    for (const std::string &s : items)
        doc.PushBack(json::string_value(s, doc.GetAllocator()), doc.GetAllocator());
    return json::to_string(doc);
}

} // namespace

std::string file_sha256(const std::string &path) {
    return file_sha256_hex(path);
}

GraphEvaluation evaluate_graph(Context &ctx, const graph::Graph &graph,
                               const std::vector<Example> &examples,
                               const GraphEvalSettings &settings,
                               const std::function<void(size_t, size_t)> &progress, LiveArm live) {
    runtime::Runtime &rt = ctx.runtime();
    store::RunStore &store = ctx.store();
    GraphEvaluation ev;
    ev.id = evaluation_id();
    ev.graph_id = graph.def.id;
    ev.graph_version = graph.def.version;
    ev.judge = settings.judge.empty() ? rt.default_judge() : settings.judge;
    ev.settings = settings;
    ev.example_count = examples.size();

    store::EvaluationRecord record;
    record.id = ev.id;
    record.dataset = settings.dataset;
    record.dataset_sha256 = settings.dataset_sha256;
    record.graph_id = ev.graph_id;
    record.graph_version = ev.graph_version;
    record.judge = ev.judge;
    record.started_at_ms = now_ms();
    record.example_count = static_cast<int64_t>(examples.size());
    record.settings = "{\"concurrency\":" + std::to_string(settings.concurrency) +
                      ",\"timeout_ms\":" + std::to_string(settings.timeout_ms) + "}";
    store.begin_evaluation(record);

    StoreRecorder recorder(store);
    // Self-improvement's trigger is checked as each grade is recorded (expansion.yaml).
    expansion::TriggerCheck trigger(store, rt.config().expansion.trigger,
                                    rt.config().expansion.experiment);
    const graph::Executor executor(graph);
    std::optional<graph::Executor> candidate_executor;
    if (live.experiment != nullptr && live.candidate != nullptr &&
        live.experiment->judge() == ev.judge) {
        candidate_executor.emplace(*live.candidate);
        ev.experiment_id = live.experiment->id();
        ev.candidate_version = live.candidate->def.version;
    } else {
        live = {};
    }
    const runtime::CancelToken cancel = ctx.cancel_token();
    std::atomic<size_t> next{0};
    std::mutex mutex;
    size_t done = 0;
    std::vector<std::optional<ExampleResult>> slots(examples.size());
    std::optional<Error> grade_store_error;

    const auto one = [&](const Example &example) {
        ExampleResult r;
        r.index = example.index;
        r.id = example.id;
        r.labels = example.labels;
        using Arm = expansion::LiveExperiment::Arm;
        const Arm arm = live.experiment ? live.experiment->route(example.input) : Arm::none;
        r.candidate_arm = arm == Arm::candidate;
        const graph::Graph &arm_graph = r.candidate_arm ? *live.candidate : graph;
        graph::RunOptions options;
        options.run_id = store::new_run_id();
        options.cancel = cancel;
        options.observer = &recorder;
        options.max_parallel_branches =
            static_cast<size_t>(rt.config().system.limits.max_parallel_branches);
        Context::TimeBudget time = ctx.time_budget(settings.timeout_ms);
        options.deadline = time.deadline;
        options.deadline_name = std::move(time.name);
        const trace::Run run =
            (r.candidate_arm ? *candidate_executor : executor).run(example.input, options);
        r.run_id = run.id;
        r.status = run.status;
        r.error_code = run.error_code;
        r.error_message = run.error_message;
        r.answer = run.answer;
        add_costs(run, r);
        if (run.status == trace::RunStatus::cancelled && cancel.cancelled()) return r;

        store::GradeRecord grade;
        grade.run_id = run.id;
        grade.evaluation_id = ev.id;
        grade.example_index = static_cast<int64_t>(example.index);
        grade.example_id = example.id;
        grade.judge = ev.judge;
        grade.expected = example.expected;
        grade.context = example.context;
        grade.node_id = answer_node(arm_graph, run);
        if (run.status != trace::RunStatus::succeeded) {
            // No answer to grade: the example scores 0 whatever the judge.
            r.score = 0;
            r.reasons = {"the run " + std::string(trace::to_string(run.status)) + ": " +
                         run.error_message};
            grade.score = 0;
            grade.pass = false;
            json::Document failure(rapidjson::kObjectType);
            failure.AddMember("failure", "run_failed", failure.GetAllocator());
            failure.AddMember("error_code",
                              json::string_value(run.error_code, failure.GetAllocator()),
                              failure.GetAllocator());
            grade.labels = grade_labels(&failure, example);
        } else {
            try {
                runtime::CallContext call(cancel, options.deadline, nullptr);
                const json::Document verdict = json::parse_object(
                    rt.grade(call, ev.judge, grade_request(example, run.answer)), "verdict");
                r.score = json::get_number(verdict, "score");
                r.pass = json::get_bool(verdict, "pass").value_or(false);
                if (const json::Value *reasons = json::find(verdict, "reasons")) {
                    for (const json::Value &line : reasons->GetArray())
                        r.reasons.emplace_back(line.GetString(), line.GetStringLength());
                }
                grade.score = r.score;
                grade.pass = r.pass;
                grade.labels = grade_labels(json::find(verdict, "labels"), example);
            } catch (const Error &e) {
                r.judge_error = e.what();
                grade.error = e.what();
            }
        }
        grade.reasons = json_array(r.reasons);
        try {
            const int64_t grade_id = store.record_grade(grade);
            if (grade.error.empty()) {
                expansion::GradeSeen graded;
                for (const auto &[key, value] : example.labels)
                    if (key == "category") graded.label = value;
                graded.pass = grade.pass.value_or(false);
                graded.id = grade_id;
                const expansion::GradedCheck check = trigger.on_graded(
                    ev.graph_id, arm_graph.def.version, grade.node_id, now_ms(), graded);
                if (check.pending) {
                    spdlog::info("node {} of graph {} {} is over its expansion threshold ({}): "
                                 "tinyllm expansion status",
                                 grade.node_id, ev.graph_id, ev.graph_version, check.detail);
                }
                if (check.rolled_back) {
                    spdlog::warn("graph {} {} rolled back to its predecessor for new runs: {}",
                                 ev.graph_id, ev.graph_version, check.detail);
                }
            }
            if (arm != Arm::none) {
                expansion::LiveExperiment::Graded g;
                g.candidate = r.candidate_arm;
                g.input = example.input;
                g.run_id = run.id;
                const bool server_down = run.status == trace::RunStatus::failed &&
                                         run.error_code == to_string(ErrorCode::unavailable);
                if (grade.error.empty() && !server_down) {
                    g.pass = r.pass;
                    g.score = r.score;
                }
                g.judge_error = server_down
                                    ? "the model server was unavailable: " + run.error_message
                                    : grade.error;
                const auto u = live.experiment->on_graded(g);
                if (u.ended || u.paused) {
                    spdlog::info("experiment {} {}: {}", live.experiment->id(),
                                 store::to_string(u.status), u.detail);
                    const std::lock_guard lock(mutex);
                    ev.experiment_outcome =
                        std::string(store::to_string(u.status)) + ": " + u.detail;
                }
            }
        } catch (const Error &e) {
            const std::lock_guard lock(mutex);
            if (!grade_store_error) grade_store_error = e;
        }
        return r;
    };

    const auto started = std::chrono::steady_clock::now();
    const int threads =
        std::max(1, std::min<int>(settings.concurrency, static_cast<int>(examples.size())));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (;;) {
                if (cancel.cancelled()) return;
                const size_t i = next.fetch_add(1);
                if (i >= examples.size()) return;
                ExampleResult r = one(examples[i]);
                const std::lock_guard lock(mutex);
                const bool cancelled_here =
                    r.status == trace::RunStatus::cancelled && cancel.cancelled();
                if (!cancelled_here) slots[i] = std::move(r);
                ++done;
                if (progress) progress(done, examples.size());
            }
        });
    }
    for (std::thread &w : workers)
        w.join();
    ev.wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    for (auto &slot : slots) {
        if (!slot) continue;
        ev.candidate_examples += slot->candidate_arm ? 1 : 0;
        ev.results.push_back(std::move(*slot));
    }
    ev.interrupted = ev.results.size() < examples.size();
    ev.store_error = recorder.error() ? recorder.error() : grade_store_error;
    store.finish_evaluation(ev.id,
                            ev.interrupted ? store::EvaluationStatus::incomplete
                                           : store::EvaluationStatus::complete,
                            now_ms());
    return ev;
}

} // namespace tinyllm::cli::eval
