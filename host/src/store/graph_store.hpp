// Graph versions and self-improvement experiments in the run store's database (runs.db): the
// tables of graph_versions.hpp and experiments.hpp, written in the run store's transactions so
// that a promotion (the experiment decided, the candidate made active, the event recorded) is
// all or nothing, even under kill -9.
#pragma once

#include "store/experiments.hpp"
#include "store/graph_versions.hpp"
#include "store/run_store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tinyllm::store {

class GraphStore {
public:
    explicit GraphStore(RunStore &runs) : runs_(runs) {}

    // ---- Versions ----

    // The graph as read from its file. When the file's content differs from what it was when
    // last read, the operator has edited it, and their word goes: the content becomes the
    // active version (recorded first when new, as the version the file declares, or that plus
    // "+HASH8" when another content has that label, with the active version as parent). When
    // the file is unchanged nothing is written. Returns the version to run, the active one: it
    // may be another than the file's (a promoted candidate, a rollback).
    GraphVersionRecord register_file_version(GraphVersionRecord file);

    // A candidate (origin mutation or ablation) stored under the next free minor version of its
    // parent; not active. A content already recorded returns that version instead, unchanged.
    GraphVersionRecord add_candidate_version(GraphVersionRecord candidate);

    // The version `version` names: a version label, or else a prefix of a content hash (at
    // least 4 hex digits) that one version has. nullopt when none; a prefix shared by several
    // is Error(invalid_argument) naming them.
    std::optional<GraphVersionRecord> version(const std::string &graph_id,
                                              const std::string &version) const;
    // Oldest first.
    std::vector<GraphVersionRecord> versions(const std::string &graph_id) const;
    std::optional<std::string> active_version(const std::string &graph_id) const;
    std::vector<GraphEvent> events(const std::string &graph_id) const;
    std::vector<std::string> graphs() const;

    // Make event.to_version active (a rollback by hand, or an automatic one), recording the
    // event. Error(not_found) listing the graph's versions when it has no such version.
    void activate(GraphEvent event);
    void retire(const std::string &graph_id, const std::string &version);

    // ---- Experiments ----

    // Record a new experiment (status offline) and its "started" event. A node that already has
    // an experiment in progress is refused: Error(invalid_argument) naming that experiment.
    void begin_experiment(const ExperimentRecord &experiment);
    std::optional<ExperimentRecord> experiment(const std::string &id_or_prefix) const;
    std::vector<ExperimentRecord> experiments(const std::string &graph_id, size_t limit) const;
    std::vector<ExperimentRecord> in_progress() const;
    // A change of status (offline -> live, paused and back), decision line and evidence, while
    // it is in progress. Error(not_found) for an unknown id.
    void update_experiment(const ExperimentRecord &experiment);
    // The end: status promoted, rejected or cancelled (else Error(invalid_argument)). In the same
    // transaction a promotion makes the candidate the active version (event "promotion"), and a
    // rejection retires the candidate. An experiment that has already ended is left as it is and
    // false is returned (two processes deciding at once: the first wins).
    bool decide_experiment(const ExperimentRecord &experiment);

    // Returns the outcome's seq.
    int64_t record_outcome(const ExperimentOutcome &outcome);
    std::vector<ExperimentOutcome> outcomes(const std::string &experiment_id,
                                            ExperimentPhase phase) const;

    // Graded requests of a node of one graph version, and how many failed (a judge that gave no
    // verdict counts in neither), from the hourly rollups starting at or after since_ms rounded
    // down to its hour.
    struct Graded {
        int64_t graded = 0;
        int64_t failures = 0;
    };
    Graded graded_since(const std::string &graph_id, const std::string &graph_version,
                        const std::string &node_id, int64_t since_ms) const;
    // The same counted from the grades themselves, recorded at or after since_ms (exact to the
    // millisecond, for a short span: a promoted version's watch).
    Graded graded_after(const std::string &graph_id, const std::string &graph_version,
                        const std::string &node_id, int64_t since_ms) const;
    // The same per dataset label (a grade's context labels.category, "" when none), from the
    // grades recorded at or after since_ms, with the highest grade id counted.
    struct LabelGraded {
        std::vector<std::pair<std::string, Graded>> labels;
        int64_t last_grade_id = 0;
    };
    LabelGraded graded_by_label(const std::string &graph_id, const std::string &graph_version,
                                const std::string &node_id, int64_t since_ms) const;
    // When the last experiment on the node ended (nullopt: none has), and whether a "pending"
    // event was recorded for it since then.
    struct NodeExpansionState {
        std::optional<int64_t> last_decided_at_ms;
        bool pending = false;
        bool in_progress = false;
    };
    NodeExpansionState node_state(const std::string &graph_id, const std::string &node_id) const;

    // How many runs of a graph version started at or after since_ms, and how many of them each
    // node took part in (nodes no run reached are absent): what pruning looks at.
    struct Reach {
        int64_t runs = 0;
        std::vector<std::pair<std::string, int64_t>> nodes; // by node id
    };
    Reach node_reach(const std::string &graph_id, const std::string &graph_version,
                     int64_t since_ms) const;

    // The graded runs of a node (the grades that name it, with a verdict; node_id "": of every
    // node), newest first: what a mutation is shown and what an experiment replays.
    struct GradedRun {
        std::string run_id;
        std::string input;
        std::string answer;
        bool pass = false;
        std::optional<double> score;
        std::optional<std::string> expected;
        std::string context; // JSON object
        std::string labels;  // JSON object: the verdict's labels
        std::string reasons; // JSON array
        int64_t graded_at_ms = 0;
    };
    std::vector<GradedRun> graded_runs(const std::string &graph_id,
                                       const std::string &graph_version, const std::string &node_id,
                                       int64_t since_ms, size_t limit) const;
    // Calls the node made in those runs, by model and by tool.
    struct CallCounts {
        std::vector<std::pair<std::string, int64_t>> models;
        std::vector<std::pair<std::string, int64_t>> tools;
    };
    CallCounts node_calls(const std::string &graph_id, const std::string &graph_version,
                          const std::string &node_id, int64_t since_ms) const;

    // The promotion that made `version` active, if one did: its experiment's node and base
    // version, and when.
    struct Promotion {
        std::string experiment_id;
        std::string node_id;
        std::string base_version;
        int64_t at_ms = 0;
    };
    std::optional<Promotion> promotion_of(const std::string &graph_id,
                                          const std::string &version) const;
    // Makes `to` active instead of `from` (an automatic rollback), only while `from` is still
    // the active version; returns whether it did.
    bool roll_back(const std::string &graph_id, const std::string &from, const std::string &to,
                   const std::string &experiment_id, const std::string &reason);

    int64_t record_event(const ExpansionEvent &event);
    // Newest first; graph_id "" = every graph; limit 0 = all.
    std::vector<ExpansionEvent> expansion_events(const std::string &graph_id, size_t limit) const;

private:
    RunStore &runs_;
};

} // namespace tinyllm::store
