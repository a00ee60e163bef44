#include "cli/expansion_trigger.hpp"

#include "cli/context.hpp"
#include "cli/eval_dataset.hpp"
#include "cli/exit_codes.hpp"
#include "cli/graph_evaluation.hpp"
#include "cli/terminal.hpp"
#include "config/json_yaml.hpp"
#include "config/suggest.hpp"
#include "expansion/evidence.hpp"
#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "store/graph_store.hpp"
#include "store/run_id.hpp"
#include "tinyllm/digest.hpp"
#include "tinyllm/json.hpp"
#include "tinyllm/sequential_test.hpp"
#include "versions/active_graph.hpp"
#include "versions/canonical.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>

namespace tinyllm::cli {

namespace {

using store::GraphStore;
using GradedRun = GraphStore::GradedRun;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct Candidate {
    std::string strategy;
    store::GraphVersionRecord version;
};

// What happened to one candidate, for the report.
struct Tested {
    std::string experiment_id;
    Candidate candidate;
    store::ExperimentStatus status = store::ExperimentStatus::rejected;
    std::string decision;
    int64_t failing = 0, fixed = 0, successes = 0, broken = 0;
    stats::PairEvidence screening{};
    stats::PairEvidence decision_evidence{};
};

void record_event(GraphStore &graphs, const expansion::NodeEvidence &e,
                  store::ExpansionEventKind kind, const std::string &strategy,
                  const std::string &detail) {
    store::ExpansionEvent event;
    event.graph_id = e.graph_id;
    event.graph_version = e.graph_version;
    event.node_id = e.node_id;
    event.kind = kind;
    event.strategy = strategy;
    event.detail = detail;
    graphs.record_event(event);
}

std::string joined(const std::vector<std::string> &lines) {
    std::string out;
    for (const std::string &l : lines)
        out += (out.empty() ? "" : "; ") + l;
    return out;
}

// Each strategy's candidates, checked as graph files and recorded as versions; what fails is
// recorded as an expansion event and reported on stderr.
std::vector<Candidate> propose(Context &ctx, GraphStore &graphs, const graph::GraphDef &def,
                               const expansion::NodeEvidence &evidence,
                               const std::vector<std::string> &strategies) {
    runtime::Runtime &rt = ctx.runtime();
    const std::string request = expansion::mutation_request(def, evidence, ctx.config().models);
    std::vector<Candidate> out;
    for (const std::string &name : strategies) {
        runtime::MutationProposal proposal;
        try {
            rt.mutations().prepare(name);
            runtime::CallContext call(ctx.cancel_token(), std::nullopt, {});
            proposal = rt.mutations().get(name).propose(call, request);
        } catch (const Error &e) {
            record_event(graphs, evidence, store::ExpansionEventKind::mutation_failed, name,
                         e.what());
            std::fprintf(stderr, "tinyllm: %s: failed: %s\n", name.c_str(), e.what());
            continue;
        }
        if (proposal.candidates.empty()) {
            const std::string why =
                proposal.reasons.empty() ? "no candidate" : joined(proposal.reasons);
            record_event(graphs, evidence, store::ExpansionEventKind::no_candidate, name, why);
            std::fprintf(stderr, "tinyllm: %s: no candidate: %s\n", name.c_str(),
                         terminal_safe(why).c_str());
        }
        for (const runtime::MutationCandidate &c : proposal.candidates) {
            const std::string where = versions::version_name(def.id, "candidate of " + name);
            try {
                json::Document doc = json::parse_object(c.graph_json, "candidate graph");
                // The candidate carries its parent's label until the store gives it its own.
                doc.RemoveMember("version");
                doc.AddMember("version", json::string_value(def.version, doc.GetAllocator()),
                              doc.GetAllocator());
                const std::string text = config::to_yaml(doc);
                graph::GraphDef checked = graph::load_graph_def_text(text, where);
                (void)graph::build_graph(checked, ctx.registry(), nullptr, false);
                store::GraphVersionRecord v;
                v.graph_id = def.id;
                v.hash = versions::content_hash(*checked.document);
                v.parent = def.version;
                v.origin = store::VersionOrigin::mutation;
                v.strategy = name;
                v.rationale = c.rationale;
                json::Document touched(rapidjson::kArrayType);
                for (const std::string &n : c.touched_nodes)
                    touched.PushBack(json::string_value(n, touched.GetAllocator()),
                                     touched.GetAllocator());
                v.touched_nodes = json::to_string(touched);
                v.source = "mutation " + name;
                v.definition = text;
                v = graphs.add_candidate_version(v);
                if (v.hash == versions::content_hash(*def.document)) continue; // no change
                out.push_back({name, std::move(v)});
            } catch (const Error &e) {
                record_event(graphs, evidence, store::ExpansionEventKind::invalid_candidate, name,
                             e.what());
                std::fprintf(stderr, "tinyllm: %s: invalid candidate: %s\n", name.c_str(),
                             e.what());
            }
        }
    }
    return out;
}

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

// The candidate on `runs`: pass or not per run (a judge that gave no verdict: nullopt), the
// replay recorded as an evaluation and each outcome as the experiment's.
std::vector<std::optional<bool>> replay(Context &ctx, GraphStore &graphs,
                                        const graph::Graph &candidate,
                                        const std::vector<const GradedRun *> &runs,
                                        const store::ExperimentRecord &x,
                                        store::ExperimentPhase phase) {
    std::vector<eval::Example> examples;
    std::string digest_input;
    for (size_t i = 0; i < runs.size(); ++i) {
        examples.push_back(example_of(*runs[i], i));
        digest_input += runs[i]->input + '\n';
    }
    eval::GraphEvalSettings settings;
    settings.dataset = "experiment " + x.id + " " + std::string(store::to_string(phase));
    settings.dataset_sha256 = sha256_hex(digest_input);
    settings.judge = x.judge;
    settings.concurrency = static_cast<int>(ctx.config().expansion.experiment.concurrency);
    ProgressBar bar;
    const eval::GraphEvaluation ev =
        eval::evaluate_graph(ctx, candidate, examples, settings, [&](size_t done, size_t total) {
            bar.update("replay " + std::string(store::to_string(phase)), static_cast<int64_t>(done),
                       static_cast<int64_t>(total));
        });
    bar.finish();
    if (ev.interrupted) throw Error(ErrorCode::cancelled, "interrupted");
    std::vector<std::optional<bool>> out(runs.size());
    for (const eval::ExampleResult &r : ev.results) {
        if (r.judge_error.empty()) out[r.index] = r.pass;
        store::ExperimentOutcome o;
        o.experiment_id = x.id;
        o.phase = phase;
        o.candidate = true;
        o.input_hash = sha256_hex(runs[r.index]->input).substr(0, 16);
        o.run_id = r.run_id;
        o.pass = out[r.index];
        o.score = r.score;
        graphs.record_outcome(o);
    }
    return out;
}

json::Value evidence_json(const stats::PairEvidence &e, json::Allocator &a) {
    json::Value o(rapidjson::kObjectType);
    o.AddMember("verdict", json::Value(stats::to_string(e.verdict), a), a);
    o.AddMember("pairs", static_cast<uint64_t>(e.pairs), a);
    o.AddMember("discordant", static_cast<uint64_t>(e.discordant), a);
    o.AddMember("candidate_wins", static_cast<uint64_t>(e.candidate_wins), a);
    o.AddMember("base_wins", static_cast<uint64_t>(e.base_wins), a);
    o.AddMember("difference", e.difference, a);
    o.AddMember("log_lambda", e.log_lambda, a);
    o.AddMember("p_value", e.p_value, a);
    return o;
}

std::string evidence_text(const Tested &t) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    json::Value screening(rapidjson::kObjectType);
    screening.AddMember("failing", t.failing, a);
    screening.AddMember("fixed", t.fixed, a);
    screening.AddMember("successes", t.successes, a);
    screening.AddMember("broken", t.broken, a);
    screening.AddMember("test", evidence_json(t.screening, a), a);
    doc.AddMember("screening", screening, a);
    doc.AddMember("decision", evidence_json(t.decision_evidence, a), a);
    return json::to_string(doc);
}

// Screening, then the decision, for one candidate; the experiment ends decided either way.
Tested test_candidate(Context &ctx, GraphStore &graphs, const graph::GraphDef &base,
                      const Candidate &candidate, const expansion::NodeEvidence &evidence,
                      const std::string &trigger) {
    const config::ExperimentSettings &cfg = ctx.config().expansion.experiment;
    Tested t;
    t.candidate = candidate;
    store::ExperimentRecord x;
    x.id = store::new_run_id();
    x.id[0] = 'x';
    x.graph_id = base.id;
    x.node_id = evidence.node_id;
    x.strategy = candidate.strategy;
    x.base_version = base.version;
    x.candidate_version = candidate.version.version;
    x.trigger = trigger;
    x.status = store::ExperimentStatus::offline;
    x.judge = cfg.judge.empty() ? ctx.runtime().default_judge() : cfg.judge;
    x.share = 0; // replayed, not live: no traffic is split
    graphs.begin_experiment(x);
    t.experiment_id = x.id;

    const auto end = [&](store::ExperimentStatus status, std::string decision) {
        x.status = status;
        x.decision = std::move(decision);
        x.evidence = evidence_text(t);
        graphs.decide_experiment(x);
        t.status = status;
        t.decision = x.decision;
        return t;
    };
    std::unique_ptr<graph::Graph> graph;
    try {
        graph = graph::build_graph(versions::load_version(candidate.version), ctx.registry(),
                                   &ctx.runtime(), true);
    } catch (const Error &e) {
        return end(store::ExperimentStatus::rejected, std::string("cannot build: ") + e.what());
    }

    // The recorded runs in random order (seeded by the experiment, so a report can be redone).
    std::vector<const GradedRun *> failing;
    std::vector<const GradedRun *> passing;
    for (const GradedRun &r : evidence.runs)
        (r.pass ? passing : failing).push_back(&r);
    std::mt19937_64 rng(std::hash<std::string>{}(x.id));
    std::shuffle(failing.begin(), failing.end(), rng);
    std::shuffle(passing.begin(), passing.end(), rng);
    // Screening keeps the proportion the requests came in, so that pairing with the recorded
    // outcomes is fair: failures alone would flatter any candidate, successes alone damn it.
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
    const auto fixed = replay(ctx, graphs, *graph, fail_set, x, store::ExperimentPhase::failing);
    const auto kept = replay(ctx, graphs, *graph, pass_set, x, store::ExperimentPhase::regression);
    stats::SequentialSettings screen;
    screen.alpha = cfg.alpha;
    screen.min_pairs = static_cast<size_t>(std::max<int64_t>(
        1, std::min<int64_t>(cfg.min_pairs, static_cast<int64_t>(f_count + r_count))));
    screen.max_pairs = f_count + r_count + 1;
    stats::SequentialPairTest screening(screen);
    std::vector<std::pair<bool, bool>> pairs;
    for (const auto &p : fixed)
        if (p) pairs.emplace_back(false, *p);
    for (const auto &p : kept)
        if (p) pairs.emplace_back(true, *p);
    std::shuffle(pairs.begin(), pairs.end(), rng);
    for (const auto &[b, c] : pairs)
        screening.add(b, c);
    t.failing = static_cast<int64_t>(f_count);
    t.successes = static_cast<int64_t>(r_count);
    t.fixed = std::count(fixed.begin(), fixed.end(), std::optional<bool>(true));
    t.broken = std::count(kept.begin(), kept.end(), std::optional<bool>(false));
    t.screening = screening.evidence();
    if (!screening.not_worse()) {
        return end(store::ExperimentStatus::rejected,
                   "worse on the replayed requests: " + screening.describe());
    }

    // The decision, on the requests screening did not use.
    x.status = store::ExperimentStatus::live;
    x.decision = "screening passed: fixed " + std::to_string(t.fixed) + " of " +
                 std::to_string(f_count) + " failures, broke " + std::to_string(t.broken) + " of " +
                 std::to_string(r_count) + " successes";
    x.evidence = evidence_text(t);
    graphs.update_experiment(x);
    std::vector<const GradedRun *> pool(failing.begin() + static_cast<long>(f_count),
                                        failing.end());
    pool.insert(pool.end(), passing.begin() + static_cast<long>(r_count), passing.end());
    std::shuffle(pool.begin(), pool.end(), rng);
    stats::SequentialSettings decide;
    decide.alpha = cfg.alpha;
    decide.min_pairs = static_cast<size_t>(cfg.min_pairs);
    decide.max_pairs = static_cast<size_t>(cfg.max_pairs);
    stats::SequentialPairTest test(decide);
    constexpr size_t kBatch = 20;
    for (size_t at = 0; at < pool.size() && test.decision() == stats::Verdict::continue_;
         at += kBatch) {
        const std::vector<const GradedRun *> batch(
            pool.begin() + static_cast<long>(at),
            pool.begin() + static_cast<long>(std::min(pool.size(), at + kBatch)));
        const auto outcomes = replay(ctx, graphs, *graph, batch, x, store::ExperimentPhase::live);
        for (size_t i = 0; i < batch.size(); ++i) {
            if (!outcomes[i]) continue; // no verdict: never decided on
            test.add(batch[i]->pass, *outcomes[i]);
            if (test.decision() != stats::Verdict::continue_) break;
        }
    }
    t.decision_evidence = test.evidence();
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

int run_expansion_trigger(Context &ctx, const TriggerOptions &o) {
    const config::ExpansionConfig &cfg = ctx.config().expansion;
    graph::GraphDef def = ctx.graph_to_run(o.graph);
    GraphStore graphs(ctx.store());
    std::vector<std::string> ids;
    for (const graph::NodeDef &n : def.nodes)
        ids.push_back(n.id);
    if (std::find(ids.begin(), ids.end(), o.node) == ids.end()) {
        throw Error(ErrorCode::not_found, "graph " + def.id + " " + def.version +
                                              " has no node \"" + o.node + "\"" +
                                              config::did_you_mean(o.node, ids, "nodes"));
    }
    for (const store::ExperimentRecord &x : graphs.in_progress()) {
        if (x.graph_id == def.id && x.node_id == o.node) {
            throw Error(ErrorCode::invalid_argument,
                        "node " + o.node + " already has experiment " + x.id +
                            " in progress: one experiment per node at a time");
        }
    }
    if (static_cast<int64_t>(graphs.in_progress().size()) >= cfg.trigger.max_concurrent) {
        throw Error(ErrorCode::invalid_argument, std::to_string(cfg.trigger.max_concurrent) +
                                                     " experiments are in progress (expansion.yaml "
                                                     "trigger.max_concurrent_experiments)");
    }
    const expansion::NodeEvidence evidence = expansion::gather_evidence(
        graphs, def.id, def.version, o.node, now_ms() - cfg.trigger.window_ms, 20000);
    if (evidence.runs.empty()) {
        throw Error(ErrorCode::not_found,
                    "node " + o.node + " of graph " + def.id + " " + def.version +
                        " has no graded runs in the trigger's window: grade some first "
                        "(tinyllm eval --dataset FILE)");
    }
    runtime::Runtime &rt = ctx.runtime();
    std::vector<std::string> strategies;
    if (!o.strategy.empty()) {
        strategies.push_back(o.strategy);
        (void)rt.mutations().find(o.strategy);
        if (rt.mutations().find(o.strategy) == nullptr) {
            std::vector<std::string> known;
            for (const auto &e : rt.mutations().entries())
                known.push_back(e.name);
            throw Error(ErrorCode::not_found,
                        "no strategy \"" + o.strategy + "\"" +
                            config::did_you_mean(o.strategy, known, "strategies",
                                                 "no mutation plugin is loaded"));
        }
    } else {
        for (const auto &e : rt.mutations().entries())
            strategies.push_back(e.name);
        if (strategies.empty()) {
            throw Error(ErrorCode::not_found, "no mutation strategy is available: no plugin "
                                              "provides a tinyllm.mutation/1 component");
        }
    }
    const std::vector<Candidate> candidates = propose(ctx, graphs, def, evidence, strategies);
    std::vector<Tested> tested;
    for (const Candidate &c : candidates) {
        if (tested.size() >= o.max_candidates) break;
        tested.push_back(test_candidate(ctx, graphs, def, c, evidence, "manual"));
        if (tested.back().status == store::ExperimentStatus::promoted) break;
    }

    const auto promoted = std::find_if(tested.begin(), tested.end(), [](const Tested &t) {
        return t.status == store::ExperimentStatus::promoted;
    });
    if (o.as_json) {
        json::Document doc(rapidjson::kObjectType);
        auto &a = doc.GetAllocator();
        doc.AddMember("graph", json::string_value(def.id, a), a);
        doc.AddMember("node", json::string_value(o.node, a), a);
        doc.AddMember("base_version", json::string_value(def.version, a), a);
        doc.AddMember("graded_runs", static_cast<uint64_t>(evidence.runs.size()), a);
        doc.AddMember("failures", evidence.failures, a);
        doc.AddMember("candidates", static_cast<uint64_t>(candidates.size()), a);
        json::Value list(rapidjson::kArrayType);
        for (const Tested &t : tested) {
            json::Value x(rapidjson::kObjectType);
            x.AddMember("experiment", json::string_value(t.experiment_id, a), a);
            x.AddMember("strategy", json::string_value(t.candidate.strategy, a), a);
            x.AddMember("version", json::string_value(t.candidate.version.version, a), a);
            x.AddMember("status", json::string_value(std::string(store::to_string(t.status)), a),
                        a);
            x.AddMember("decision", json::string_value(t.decision, a), a);
            json::Document ev = json::parse_object(evidence_text(t), "evidence");
            x.AddMember("evidence", json::Value(ev, a), a);
            list.PushBack(x, a);
        }
        doc.AddMember("experiments", list, a);
        doc.AddMember("active_version",
                      json::string_value(graphs.active_version(def.id).value_or(""), a), a);
        std::cout << json::to_pretty_string(doc) << "\n";
    } else {
        std::printf("%s/%s %s: %zu graded runs, %lld failing; %zu candidates\n",
                    terminal_safe(def.id).c_str(), terminal_safe(o.node).c_str(),
                    terminal_safe(def.version).c_str(), evidence.runs.size(),
                    static_cast<long long>(evidence.failures), candidates.size());
        for (const Tested &t : tested) {
            std::printf("  %s %s (%s): %s: %s\n", t.experiment_id.c_str(),
                        terminal_safe(t.candidate.version.version).c_str(),
                        terminal_safe(t.candidate.strategy).c_str(),
                        std::string(store::to_string(t.status)).c_str(),
                        terminal_safe(t.decision).c_str());
        }
        if (promoted != tested.end()) {
            std::printf("promoted: graph %s now runs %s (tinyllm graph diff %s %s %s; "
                        "tinyllm graph rollback %s --version %s)\n",
                        def.id.c_str(), promoted->candidate.version.version.c_str(), def.id.c_str(),
                        def.version.c_str(), promoted->candidate.version.version.c_str(),
                        def.id.c_str(), def.version.c_str());
        } else {
            std::printf("nothing promoted: graph %s still runs %s\n", def.id.c_str(),
                        def.version.c_str());
        }
    }
    return kExitOk;
}

} // namespace tinyllm::cli
