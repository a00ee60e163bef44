#include "store/run_metrics.hpp"

#include <algorithm>

namespace tinyllm::store::metrics {
namespace {

void count_outcome(Counters &c, trace::NodeStatus status, const std::string &error_code) {
    ++c.requests;
    switch (status) {
    case trace::NodeStatus::succeeded: ++c.successes; break;
    case trace::NodeStatus::cancelled: ++c.cancelled; break;
    case trace::NodeStatus::failed:
    case trace::NodeStatus::timed_out:
        ++c.failures;
        ++c.failures_by_kind[failure_kind(status, error_code)];
        break;
    }
}

void count_run(Counters &c, const RunFacts &run) {
    ++c.requests;
    switch (run.status) {
    case trace::RunStatus::succeeded: ++c.successes; break;
    case trace::RunStatus::cancelled: ++c.cancelled; break;
    case trace::RunStatus::failed:
        ++c.failures;
        ++c.failures_by_kind[run.error_code.empty() ? "unknown" : run.error_code];
        break;
    case trace::RunStatus::running: break; // not called for running runs
    }
    c.latency.add(std::max<int64_t>(run.finished_at_ms - run.started_at_ms, 0) * 1000);
}

void count_check(Counters &c, bool pass) {
    ++c.gate_checks;
    if (pass) ++c.gate_passes;
}

} // namespace

std::string failure_kind(trace::NodeStatus status, const std::string &error_code) {
    if (!error_code.empty()) return error_code;
    return status == trace::NodeStatus::timed_out ? "timeout" : "unknown";
}

int64_t floor_to(int64_t ms, int64_t span_ms) noexcept {
    const int64_t q = ms / span_ms;
    return (ms % span_ms < 0 ? q - 1 : q) * span_ms;
}

void Counters::merge(const Counters &o, int sign) {
    requests += sign * o.requests;
    successes += sign * o.successes;
    failures += sign * o.failures;
    cancelled += sign * o.cancelled;
    for (const auto &[kind, n] : o.failures_by_kind) {
        auto it = failures_by_kind.try_emplace(kind, 0).first;
        it->second += sign * n;
        if (it->second == 0) failures_by_kind.erase(it);
    }
    gate_checks += sign * o.gate_checks;
    gate_passes += sign * o.gate_passes;
    grades += sign * o.grades;
    grade_passes += sign * o.grade_passes;
    grade_errors += sign * o.grade_errors;
    scored += sign * o.scored;
    score_sum += sign * o.score_sum;
    score_sumsq += sign * o.score_sumsq;
    prompt_tokens += sign * o.prompt_tokens;
    completion_tokens += sign * o.completion_tokens;
    model_calls += sign * o.model_calls;
    tool_calls += sign * o.tool_calls;
    latency.merge(o.latency, sign);
}

void Counters::add_grade(const GradeFacts &grade) {
    ++grades;
    if (grade.error) {
        ++grade_errors;
        return;
    }
    if (grade.pass.value_or(false)) ++grade_passes;
    if (grade.score) {
        ++scored;
        score_sum += *grade.score;
        score_sumsq += *grade.score * *grade.score;
    }
}

std::vector<Contribution> contributions(const RunFacts &run) {
    if (run.status == trace::RunStatus::running) return {};
    // The whole run's counters apart until the end: `out` grows, which would move them.
    Counters whole;
    count_run(whole, run);
    std::vector<Contribution> out(1);

    std::map<std::string, size_t> index; // node id -> its entry in `out`
    // Per branch, the entry of the latest execution that was not a gate: what a gate checks.
    std::map<std::string, size_t> checked;
    for (const NodeFacts &n : run.nodes) {
        auto [it, added] = index.try_emplace(n.node_id, out.size());
        if (added) out.push_back(Contribution{n.node_id, n.node_type, {}});
        const size_t at = it->second;
        Counters &c = out[at].counters;
        count_outcome(c, n.status, n.error_code);
        c.latency.add(n.duration_us);
        c.prompt_tokens += n.prompt_tokens;
        c.completion_tokens += n.completion_tokens;
        c.model_calls += n.model_calls;
        c.tool_calls += n.tool_calls;
        whole.prompt_tokens += n.prompt_tokens;
        whole.completion_tokens += n.completion_tokens;
        whole.model_calls += n.model_calls;
        whole.tool_calls += n.tool_calls;

        if (n.node_type != "gate") {
            checked[n.branch] = at;
            continue;
        }
        if (n.status != trace::NodeStatus::succeeded && n.status != trace::NodeStatus::failed) {
            continue;
        }
        const bool pass = n.status == trace::NodeStatus::succeeded && n.route == "pass";
        count_check(c, pass);
        count_check(whole, pass);
        if (auto target = checked.find(n.branch); target != checked.end()) {
            count_check(out[target->second].counters, pass);
        }
    }
    out[0].counters = std::move(whole);
    return out;
}

RunFacts facts_of(const trace::Run &run) {
    RunFacts f;
    f.run_id = run.id;
    f.graph_id = run.graph_id;
    f.graph_version = run.graph_version;
    f.status = run.status;
    f.error_code = run.error_code;
    f.started_at_ms = run.started_at_ms;
    f.finished_at_ms = run.finished_at_ms;
    for (const trace::NodeExecution &node : run.nodes) {
        NodeFacts n;
        n.seq = node.seq;
        n.node_id = node.node_id;
        n.node_type = node.node_type;
        n.branch = node.branch;
        n.status = node.status;
        n.error_code = node.error_code;
        n.route = node.route;
        n.duration_us = node.duration_us;
        n.model_calls = static_cast<int64_t>(node.model_calls.size());
        n.tool_calls = static_cast<int64_t>(node.tool_calls.size());
        for (const trace::ModelCall &call : node.model_calls) {
            n.prompt_tokens += call.prompt_tokens.value_or(0);
            n.completion_tokens += call.completion_tokens.value_or(0);
        }
        f.nodes.push_back(std::move(n));
    }
    std::sort(f.nodes.begin(), f.nodes.end(),
              [](const NodeFacts &a, const NodeFacts &b) { return a.seq < b.seq; });
    return f;
}

} // namespace tinyllm::store::metrics
