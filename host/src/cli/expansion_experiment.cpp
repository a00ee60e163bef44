#include "cli/expansion_experiment.hpp"

#include "cli/context.hpp"
#include "cli/eval_dataset.hpp"
#include "cli/graph_evaluation.hpp"
#include "cli/terminal.hpp"
#include "config/json_yaml.hpp"
#include "expansion/experiment_evidence.hpp"
#include "expansion/experiment_owner.hpp"
#include "graph/graph_builder.hpp"
#include "store/run_id.hpp"
#include "tinyllm/digest.hpp"
#include "tinyllm/json.hpp"
#include "tinyllm/wall_clock.hpp"
#include "versions/active_graph.hpp"
#include "versions/canonical.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

namespace tinyllm::cli {

namespace {

using store::GraphStore;
using GradedRun = GraphStore::GradedRun;

eval::Example example_of(const GradedRun &run, size_t index) {
    eval::Example e;
    e.index = index;
    e.id = run.run_id;
    e.input = run.input;
    e.expected = run.expected;
    e.context = run.context.empty() ? "{}" : run.context;
    e.bytes = run.input.size();
    return e;
}

struct Replayed {
    std::vector<std::optional<bool>> pass; // per run; nullopt: not counted
    std::string unavailable;               // why a grade is missing, when one is
};

// The candidate on `runs`: pass or not per run, the replay recorded as an evaluation and each
// outcome as the experiment's. A missing verdict or an unreachable model server is reported in
// `unavailable` (the experiment must pause), never counted as the candidate's failure.
Replayed replay(Context &ctx, GraphStore &graphs, const graph::Graph &arm,
                const std::vector<const GradedRun *> &runs, const store::ExperimentRecord &x,
                store::ExperimentPhase phase, bool candidate) {
    Replayed out;
    out.pass.resize(runs.size());
    if (runs.empty()) return out;
    std::vector<eval::Example> examples;
    std::string digest_input;
    for (size_t i = 0; i < runs.size(); ++i) {
        examples.push_back(example_of(*runs[i], i));
        digest_input += runs[i]->input + '\n';
    }
    eval::GraphEvalSettings settings;
    settings.dataset = "experiment " + x.id + " " + std::string(store::to_string(phase)) +
                       (candidate ? " candidate" : " base");
    settings.dataset_sha256 = sha256_hex(digest_input);
    settings.judge = x.judge;
    settings.concurrency = static_cast<int>(ctx.config().expansion.experiment.concurrency);
    ProgressBar bar;
    const eval::GraphEvaluation ev =
        eval::evaluate_graph(ctx, arm, examples, settings, [&](size_t done, size_t total) {
            bar.update(std::string(candidate ? "candidate " : "base ") +
                           std::string(store::to_string(phase)),
                       static_cast<int64_t>(done), static_cast<int64_t>(total));
        });
    bar.finish();
    if (ev.interrupted) throw Error(ErrorCode::cancelled, "interrupted");
    for (const eval::ExampleResult &r : ev.results) {
        const bool server_down = r.status == trace::RunStatus::failed &&
                                 r.error_code == to_string(ErrorCode::unavailable);
        if (!r.judge_error.empty() && out.unavailable.empty())
            out.unavailable = "judge " + x.judge + " gave no verdict (" + r.judge_error + ")";
        if (server_down && out.unavailable.empty())
            out.unavailable = "the model server was unavailable (" + r.error_message + ")";
        if (r.judge_error.empty() && !server_down) out.pass[r.index] = r.pass;
        store::ExperimentOutcome o;
        o.experiment_id = x.id;
        o.phase = phase;
        o.candidate = candidate;
        o.input_hash = sha256_hex(runs[r.index]->input).substr(0, 16);
        o.run_id = r.run_id;
        o.pass = out.pass[r.index];
        o.score = r.score;
        graphs.record_outcome(o);
    }
    return out;
}

std::string evidence_text(const ExperimentReport &t, bool screened, bool decided_offline) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    if (!screened) return json::to_string(doc);
    json::Value screening(rapidjson::kObjectType);
    screening.AddMember("failing", t.failing, a);
    screening.AddMember("fixed", t.fixed, a);
    screening.AddMember("successes", t.successes, a);
    screening.AddMember("broken", t.broken, a);
    screening.AddMember("test", expansion::pair_evidence_json(t.screening, a), a);
    doc.AddMember("screening", screening, a);
    if (decided_offline)
        doc.AddMember("decision", expansion::pair_evidence_json(t.decision_evidence, a), a);
    return json::to_string(doc);
}

// Screening, then the decision or going live, for an experiment already recorded.
ExperimentReport run_phases(Context &ctx, GraphStore &graphs, store::ExperimentRecord x,
                            const expansion::NodeEvidence &evidence) {
    const config::ExperimentSettings &cfg = ctx.config().expansion.experiment;
    ExperimentReport t;
    t.experiment_id = x.id;
    t.strategy = x.strategy;
    t.candidate_version = x.candidate_version;
    bool screened = false; // the screening test has run
    // Records the experiment as it now stands (ended, or still in progress) and reports it.
    const auto settle = [&](store::ExperimentStatus status, std::string decision,
                            bool decided_offline) {
        x.status = status;
        x.decision = std::move(decision);
        x.evidence = evidence_text(t, screened, decided_offline);
        if (store::in_progress(status)) {
            graphs.update_experiment(x);
        } else {
            graphs.decide_experiment(x);
        }
        t.status = x.status;
        t.decision = x.decision;
        t.evidence = x.evidence;
        return t;
    };
    const auto end = [&](store::ExperimentStatus status, std::string decision) {
        return settle(status, std::move(decision), screened);
    };
    const auto pause = [&](const std::string &why) {
        return settle(store::ExperimentStatus::paused,
                      "paused: " + why + "; nothing is decided on a missing grade: tinyllm " +
                          "expansion resume " + x.id + " once it works (or cancel " + x.id + ")",
                      false);
    };
    const std::optional<store::GraphVersionRecord> version =
        graphs.version(x.graph_id, x.candidate_version);
    if (!version) {
        return end(store::ExperimentStatus::cancelled,
                   "candidate version " + x.candidate_version + " is not in the store");
    }
    std::unique_ptr<graph::Graph> graph;
    try {
        graph = graph::build_graph(versions::load_version(*version), ctx.registry(), &ctx.runtime(),
                                   graph::BuildMode::run);
    } catch (const Error &e) {
        return end(store::ExperimentStatus::rejected, std::string("cannot build: ") + e.what());
    }
    // The base answers afresh too: pairing the candidate with the base's recorded outcomes
    // would favour it, since the requests that tripped the trigger were a bad stretch by
    // selection (regression to the mean). Both arms now draw from the same moment.
    const std::optional<store::GraphVersionRecord> base_version =
        graphs.version(x.graph_id, x.base_version);
    if (!base_version) {
        return end(store::ExperimentStatus::cancelled,
                   "base version " + x.base_version + " is not in the store");
    }
    std::unique_ptr<graph::Graph> base;
    try {
        base = graph::build_graph(versions::load_version(*base_version), ctx.registry(),
                                  &ctx.runtime(), graph::BuildMode::run);
    } catch (const Error &e) {
        return end(store::ExperimentStatus::cancelled,
                   std::string("cannot build the base version: ") + e.what());
    }
    // Both arms on `runs`: the pairs (base, candidate) where both have a verdict.
    struct Both {
        Replayed base, candidate;
        std::string unavailable;
    };
    const auto both = [&](const std::vector<const GradedRun *> &runs,
                          store::ExperimentPhase phase) {
        Both b;
        b.candidate = replay(ctx, graphs, *graph, runs, x, phase, true);
        b.unavailable = b.candidate.unavailable;
        if (!b.unavailable.empty()) return b;
        b.base = replay(ctx, graphs, *base, runs, x, phase, false);
        b.unavailable = b.base.unavailable;
        return b;
    };

    // The recorded runs in random order (seeded by the experiment, so a report can be redone).
    std::vector<const GradedRun *> failing;
    std::vector<const GradedRun *> passing;
    for (const GradedRun &r : evidence.runs)
        (r.pass ? passing : failing).push_back(&r);
    std::mt19937_64 rng(std::hash<std::string>{}(x.id));
    std::shuffle(failing.begin(), failing.end(), rng);
    std::shuffle(passing.begin(), passing.end(), rng);
    // Screening keeps the proportion the requests came in: failures alone would flatter any
    // candidate (the base's failures there are partly bad luck), successes alone damn it.
    const double rate = static_cast<double>(failing.size()) /
                        static_cast<double>(std::max<size_t>(1, evidence.runs.size()));
    const auto r_count = static_cast<size_t>(
        std::min<int64_t>(cfg.regression_examples, static_cast<int64_t>(passing.size()) / 2));
    const auto f_count = static_cast<size_t>(std::min<double>(
        {static_cast<double>(cfg.failing_examples), static_cast<double>(failing.size()) / 2,
         std::round(static_cast<double>(r_count) * rate / std::max(1e-9, 1.0 - rate))}));
    const std::vector<const GradedRun *> fail_set(failing.begin(),
                                                  failing.begin() + static_cast<long>(f_count));
    const std::vector<const GradedRun *> pass_set(passing.begin(),
                                                  passing.begin() + static_cast<long>(r_count));
    t.failing = static_cast<int64_t>(f_count);
    t.successes = static_cast<int64_t>(r_count);
    const Both fixed = both(fail_set, store::ExperimentPhase::failing);
    if (!fixed.unavailable.empty()) return pause(fixed.unavailable);
    const Both kept = both(pass_set, store::ExperimentPhase::regression);
    if (!kept.unavailable.empty()) return pause(kept.unavailable);
    stats::SequentialSettings screen;
    const double alpha = expansion::experiment_alpha(x, cfg.alpha);
    screen.alpha = alpha;
    screen.min_pairs = static_cast<size_t>(std::max<int64_t>(
        1, std::min<int64_t>(cfg.min_pairs, static_cast<int64_t>(f_count + r_count))));
    screen.max_pairs = f_count + r_count + 1;
    stats::SequentialPairTest screening(screen);
    std::vector<std::pair<bool, bool>> pairs;
    for (const Both *set : {&fixed, &kept}) {
        for (size_t i = 0; i < set->candidate.pass.size(); ++i) {
            if (set->base.pass[i] && set->candidate.pass[i])
                pairs.emplace_back(*set->base.pass[i], *set->candidate.pass[i]);
        }
    }
    std::shuffle(pairs.begin(), pairs.end(), rng);
    for (const auto &[b, c] : pairs)
        screening.add(b, c);
    const auto &fixed_c = fixed.candidate.pass;
    const auto &kept_c = kept.candidate.pass;
    t.fixed = std::count(fixed_c.begin(), fixed_c.end(), std::optional<bool>(true));
    t.broken = std::count(kept_c.begin(), kept_c.end(), std::optional<bool>(false));
    t.screening = screening.evidence();
    screened = true;
    if (!screening.not_worse()) {
        return end(store::ExperimentStatus::rejected,
                   "worse on the replayed requests: " + screening.describe());
    }
    const std::string screened_line = "screening passed: fixed " + std::to_string(t.fixed) +
                                      " of " + std::to_string(f_count) + " failures, broke " +
                                      std::to_string(t.broken) + " of " + std::to_string(r_count) +
                                      " successes";

    if (x.share > 0 && x.trigger != "ablation") {
        // Decided on live graded traffic from now on (live_experiment.hpp).
        return settle(store::ExperimentStatus::live,
                      screened_line + "; live on " + std::to_string(std::lround(100 * x.share)) +
                          "% of graded requests until the sequential test decides",
                      false);
    }

    // The decision, on the requests screening did not use.
    x.decision = screened_line;
    x.evidence = evidence_text(t, true, false);
    graphs.update_experiment(x);
    std::vector<const GradedRun *> pool(failing.begin() + static_cast<long>(f_count),
                                        failing.end());
    pool.insert(pool.end(), passing.begin() + static_cast<long>(r_count), passing.end());
    std::shuffle(pool.begin(), pool.end(), rng);
    const bool ablation = x.trigger == "ablation";
    stats::SequentialSettings decide;
    decide.alpha = alpha;
    decide.min_pairs = static_cast<size_t>(cfg.min_pairs);
    decide.max_pairs = static_cast<size_t>(cfg.max_pairs);
    stats::SequentialPairTest test(decide);
    constexpr size_t kBatch = 20;
    for (size_t at = 0; at < pool.size() && test.decision() == stats::Verdict::continue_;
         at += kBatch) {
        const std::vector<const GradedRun *> batch(
            pool.begin() + static_cast<long>(at),
            pool.begin() + static_cast<long>(std::min(pool.size(), at + kBatch)));
        const Both outcomes = both(batch, store::ExperimentPhase::live);
        if (!outcomes.unavailable.empty()) {
            t.decision_evidence = test.evidence();
            return pause(outcomes.unavailable);
        }
        for (size_t i = 0; i < batch.size(); ++i) {
            const auto &b = outcomes.base.pass[i];
            const auto &c = outcomes.candidate.pass[i];
            if (!b || !c) continue;
            test.add(*b, *c);
            if (test.decision() != stats::Verdict::continue_) break;
        }
        // An ablation needs no verdict of "better": only enough pairs, and none found worse.
        if (ablation && (test.pairs() >= decide.max_pairs || !test.not_worse())) break;
    }
    t.decision_evidence = test.evidence();
    if (ablation) {
        const double margin = cfg.watch_margin;
        const std::string figures = std::to_string(test.pairs()) + " pairs, " +
                                    std::to_string(test.base_wins()) + " lost and " +
                                    std::to_string(test.candidate_wins()) + " won without the node";
        if (!test.not_worse())
            return end(store::ExperimentStatus::rejected,
                       "worse without the node: " + test.describe());
        if (test.pairs() < decide.min_pairs) {
            return end(store::ExperimentStatus::rejected,
                       "too few recorded requests to show the node changes nothing: " + figures);
        }
        if (test.difference() < -margin) {
            return end(store::ExperimentStatus::rejected,
                       "the pass rate drops by more than the margin without the node: " + figures);
        }
        return end(store::ExperimentStatus::promoted,
                   "no worse without the node (within " +
                       std::to_string(std::lround(100 * margin)) + " points): " + figures);
    }
    switch (test.decision()) {
    case stats::Verdict::better: return end(store::ExperimentStatus::promoted, test.describe());
    case stats::Verdict::worse:
    case stats::Verdict::no_evidence:
        return end(store::ExperimentStatus::rejected, test.describe());
    case stats::Verdict::continue_: break;
    }
    return end(store::ExperimentStatus::rejected,
               "not shown better on the " + std::to_string(test.pairs()) +
                   " recorded requests left to replay (" + test.describe() + ")");
}

} // namespace

store::GraphVersionRecord record_candidate(Context &ctx, GraphStore &graphs,
                                           const graph::GraphDef &base,
                                           const std::string &graph_json,
                                           store::VersionOrigin origin, const std::string &strategy,
                                           const std::string &rationale,
                                           const std::vector<std::string> &touched_nodes) {
    const std::string where = versions::version_name(base.id, "candidate of " + strategy);
    json::Document doc = json::parse_object(graph_json, "candidate graph");
    // The candidate carries its parent's label until the store gives it its own.
    doc.RemoveMember("version");
    doc.AddMember("version", json::string_value(base.version, doc.GetAllocator()),
                  doc.GetAllocator());
    const std::string text = config::to_yaml(doc);
    graph::GraphDef checked = graph::load_graph_def_text(text, where);
    (void)graph::build_graph(checked, ctx.registry(), nullptr, graph::BuildMode::definition);
    store::GraphVersionRecord v;
    v.graph_id = base.id;
    v.hash = versions::content_hash(*checked.document);
    v.parent = base.version;
    v.origin = origin;
    v.strategy = strategy;
    v.rationale = rationale;
    json::Document touched(rapidjson::kArrayType);
    for (const std::string &n : touched_nodes)
        touched.PushBack(json::string_value(n, touched.GetAllocator()), touched.GetAllocator());
    v.touched_nodes = json::to_string(touched);
    v.source = std::string(origin == store::VersionOrigin::ablation ? "ablation " : "mutation ") +
               strategy;
    v.definition = text;
    return graphs.add_candidate_version(v);
}

ExperimentReport run_experiment(Context &ctx, GraphStore &graphs, const graph::GraphDef &base,
                                const store::GraphVersionRecord &candidate,
                                const std::string &strategy,
                                const expansion::NodeEvidence &evidence, const std::string &trigger,
                                double alpha) {
    const config::ExperimentSettings &cfg = ctx.config().expansion.experiment;
    store::ExperimentRecord x;
    x.id = store::new_run_id();
    x.id[0] = 'x';
    x.graph_id = base.id;
    x.node_id = evidence.node_id;
    x.strategy = strategy;
    x.base_version = base.version;
    x.candidate_version = candidate.version;
    x.trigger = trigger;
    x.status = store::ExperimentStatus::offline;
    x.judge = cfg.judge.empty() ? ctx.runtime().default_judge() : cfg.judge;
    x.share = trigger == "ablation" ? 0 : cfg.live_share; // ablations: replays only
    x.settings = expansion::experiment_settings(x.share, alpha);
    graphs.begin_experiment(x);
    return run_phases(ctx, graphs, std::move(x), evidence);
}

ExperimentReport resume_experiment(Context &ctx, GraphStore &graphs,
                                   const std::string &experiment_id) {
    std::optional<store::ExperimentRecord> found = graphs.experiment(experiment_id);
    if (!found) throw Error(ErrorCode::not_found, "no experiment " + experiment_id);
    store::ExperimentRecord x = std::move(*found);
    if (x.status != store::ExperimentStatus::paused) {
        throw Error(ErrorCode::invalid_argument,
                    "experiment " + x.id + " is " + std::string(store::to_string(x.status)) +
                        ", not paused: only a paused experiment is resumed");
    }
    const std::optional<std::string> active = graphs.active_version(x.graph_id);
    if (active != x.base_version) {
        throw Error(ErrorCode::invalid_argument,
                    "graph " + x.graph_id + " now runs " + active.value_or("no version") +
                        ", not experiment " + x.id + "'s base " + x.base_version +
                        ": its evidence no longer applies (tinyllm expansion cancel " + x.id + ")");
    }
    ExperimentReport t;
    t.experiment_id = x.id;
    t.strategy = x.strategy;
    t.candidate_version = x.candidate_version;
    const json::Document settings =
        json::parse_object(x.settings.empty() ? "{}" : x.settings, "experiment settings");
    const bool screened_live =
        json::get_string(settings, "decided_on").value_or("replay") == "live" &&
        json::find(json::parse_object(x.evidence.empty() ? "{}" : x.evidence, "evidence"),
                   "screening") != nullptr;
    if (screened_live && x.share > 0) {
        // Screened already: back on live traffic.
        x.status = store::ExperimentStatus::live;
        x.decision = "resumed: live on " + std::to_string(std::lround(100 * x.share)) +
                     "% of graded requests until the sequential test decides";
        graphs.update_experiment(x);
        t.status = x.status;
        t.decision = x.decision;
        t.evidence = x.evidence;
        return t;
    }
    const config::ExpansionConfig &cfg = ctx.config().expansion;
    const expansion::NodeEvidence evidence = expansion::gather_evidence(
        graphs, x.graph_id, x.base_version, x.node_id, now_ms() - cfg.trigger.window_ms, 20000);
    x.status = store::ExperimentStatus::offline;
    x.decision = "resumed";
    x.settings = expansion::experiment_settings(
        x.share, expansion::experiment_alpha(x, cfg.experiment.alpha));
    graphs.update_experiment(x);
    return run_phases(ctx, graphs, std::move(x), evidence);
}

json::Value experiment_report_json(const ExperimentReport &t, json::Allocator &a) {
    json::Value x(rapidjson::kObjectType);
    x.AddMember("experiment", json::string_value(t.experiment_id, a), a);
    x.AddMember("strategy", json::string_value(t.strategy, a), a);
    x.AddMember("version", json::string_value(t.candidate_version, a), a);
    x.AddMember("status", json::string_value(std::string(store::to_string(t.status)), a), a);
    x.AddMember("decision", json::string_value(t.decision, a), a);
    json::Document ev = json::parse_object(t.evidence.empty() ? "{}" : t.evidence, "evidence");
    x.AddMember("evidence", json::Value(ev, a), a);
    return x;
}

} // namespace tinyllm::cli
