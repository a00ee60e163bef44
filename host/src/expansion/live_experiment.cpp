#include "expansion/live_experiment.hpp"

#include "expansion/arm.hpp"
#include "expansion/experiment_evidence.hpp"
#include "expansion/experiment_owner.hpp"
#include "tinyllm/digest.hpp"
#include "tinyllm/sequential_test.hpp"

namespace tinyllm::expansion {

std::optional<store::ExperimentRecord> live_experiment_for(store::GraphStore &graphs,
                                                           const std::string &graph_id,
                                                           const std::string &version) {
    for (store::ExperimentRecord &x : graphs.in_progress()) {
        if (x.status == store::ExperimentStatus::live && x.graph_id == graph_id &&
            x.base_version == version && x.share > 0) {
            return std::move(x);
        }
    }
    return std::nullopt;
}

LiveExperiment::LiveExperiment(store::RunStore &runs, store::ExperimentRecord experiment,
                               config::ExperimentSettings settings)
    : graphs_(runs), experiment_(std::move(experiment)), settings_(std::move(settings)),
      id_(experiment_.id), judge_(experiment_.judge), seed_(arm_seed(experiment_.id)),
      share_(experiment_.share) {}

LiveExperiment::Arm LiveExperiment::route(std::string_view input) const noexcept {
    if (!open_.load(std::memory_order_relaxed)) return Arm::none;
    return candidate_arm(seed_, input, share_) ? Arm::candidate : Arm::base;
}

LiveExperiment::Update LiveExperiment::on_graded(const Graded &g) {
    store::ExperimentOutcome o;
    o.experiment_id = id_;
    o.phase = store::ExperimentPhase::live;
    o.candidate = g.candidate;
    o.input_hash = sha256_hex(g.input).substr(0, 16);
    o.run_id = g.run_id;
    o.pass = g.pass;
    o.score = g.score;
    graphs_.record_outcome(o);

    const std::lock_guard lock(mutex_);
    if (!open_) return {};
    const auto now = graphs_.experiment(id_);
    if (!now || now->status != store::ExperimentStatus::live) {
        open_ = false; // decided, paused or cancelled elsewhere
        return {};
    }
    if (!g.pass) {
        open_ = false;
        store::ExperimentRecord x = *now;
        x.status = store::ExperimentStatus::paused;
        x.decision = "paused: judge " + x.judge + " gave no verdict (" + g.judge_error +
                     "); nothing is decided on a missing grade: tinyllm expansion resume " + x.id +
                     " once it works";
        graphs_.update_experiment(x);
        return {false, true, x.status, x.decision};
    }
    experiment_ = *now;
    return test_outcomes();
}

LiveExperiment::Update LiveExperiment::test_outcomes() {
    std::vector<bool> base;
    std::vector<bool> candidate;
    for (const store::ExperimentOutcome &o :
         graphs_.outcomes(experiment_.id, store::ExperimentPhase::live)) {
        if (o.pass) (o.candidate ? candidate : base).push_back(*o.pass);
    }
    stats::SequentialSettings s;
    s.alpha = experiment_alpha(experiment_, settings_.alpha);
    s.min_pairs = static_cast<size_t>(settings_.min_pairs);
    s.max_pairs = static_cast<size_t>(settings_.max_pairs);
    stats::SequentialPairTest test(s);
    for (size_t i = 0; i < std::min(base.size(), candidate.size()); ++i) {
        test.add(base[i], candidate[i]);
        if (test.decision() != stats::Verdict::continue_) break;
    }
    store::ExperimentRecord x = experiment_;
    json::Document scratch;
    json::Value live = pair_evidence_json(test.evidence(), scratch.GetAllocator());
    live.AddMember("base_outcomes", static_cast<uint64_t>(base.size()), scratch.GetAllocator());
    live.AddMember("candidate_outcomes", static_cast<uint64_t>(candidate.size()),
                   scratch.GetAllocator());
    x.evidence = with_evidence(x.evidence, "decision", std::move(live));
    Update u;
    switch (test.decision()) {
    case stats::Verdict::continue_:
        x.decision = "live: " + test.describe();
        graphs_.update_experiment(x);
        experiment_ = x;
        u.detail = x.decision;
        return u;
    case stats::Verdict::better: x.status = store::ExperimentStatus::promoted; break;
    case stats::Verdict::worse:
    case stats::Verdict::no_evidence: x.status = store::ExperimentStatus::rejected; break;
    }
    x.decision = "live traffic: " + test.describe();
    open_ = false;
    u.ended = graphs_.decide_experiment(x);
    u.status = x.status;
    u.detail = x.decision;
    experiment_ = x;
    return u;
}

} // namespace tinyllm::expansion
