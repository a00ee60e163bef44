#include "store/graph_store.hpp"

#include "store/experiment_rows.hpp"
#include "store/graph_version_rows.hpp"
#include "store/sqlite.hpp"
#include "tinyllm/wall_clock.hpp"

#include <chrono>

namespace tinyllm::store {

namespace {

namespace versions = graph_version_rows;
namespace experiments_rows = experiment_rows;

std::string listed(const std::vector<std::string> &labels) {
    std::string out;
    for (const std::string &label : labels)
        out += (out.empty() ? "" : ", ") + label;
    return out.empty() ? "none" : out;
}

} // namespace

GraphVersionRecord GraphStore::register_file_version(GraphVersionRecord file) {
    if (file.created_at_ms == 0) file.created_at_ms = now_ms();
    file.origin = VersionOrigin::file;
    GraphVersionRecord result;
    // The common case reads only: the file is as it was when last read, and the active version
    // (the file's, or what a promotion or rollback chose since) runs.
    bool unchanged = false;
    runs_.read("cannot read graph " + file.graph_id, [&](sqlite::Database &db) {
        if (versions::file_hash(db, file.graph_id) != file.hash) return;
        const auto active = versions::active_version(db, file.graph_id);
        if (!active) return;
        if (auto v = versions::select_version(db, file.graph_id, *active)) {
            result = std::move(*v);
            unchanged = true;
        }
    });
    if (unchanged) return result;
    runs_.write_transaction("cannot record graph " + file.graph_id, [&](sqlite::Database &db) {
        // Re-read in the transaction: another process may have recorded the same edit.
        const auto active = versions::active_version(db, file.graph_id);
        if (active && versions::file_hash(db, file.graph_id) == file.hash) {
            result = *versions::select_version(db, file.graph_id, *active);
            return;
        }
        // The file changed since it was last read (or was never read): the operator's edit
        // becomes the active version, recorded as a new version unless its content is known.
        auto known = versions::select_by_hash(db, file.graph_id, file.hash);
        if (!known) {
            GraphVersionRecord v = file;
            v.version = file_version_label(file.version, file.hash,
                                           versions::version_labels(db, file.graph_id));
            v.parent = active.value_or("");
            versions::insert_version(db, v);
            known = v;
        }
        if (!active || *active != known->version) {
            versions::activate(db, GraphEvent{0, file.graph_id, file.created_at_ms,
                                              GraphEventKind::file, "", known->version, "",
                                              "read from " + file.source});
        }
        versions::set_file_hash(db, file.graph_id, file.hash);
        result = *known;
    });
    return result;
}

GraphVersionRecord GraphStore::add_candidate_version(GraphVersionRecord candidate) {
    if (candidate.created_at_ms == 0) candidate.created_at_ms = now_ms();
    GraphVersionRecord result;
    runs_.write_transaction(
        "cannot record a version of graph " + candidate.graph_id, [&](sqlite::Database &db) {
            if (auto known = versions::select_by_hash(db, candidate.graph_id, candidate.hash)) {
                result = *known;
                return;
            }
            GraphVersionRecord v = candidate;
            v.version =
                next_minor_label(v.parent, versions::version_labels(db, candidate.graph_id));
            versions::insert_version(db, v);
            result = v;
        });
    return result;
}

std::optional<GraphVersionRecord> GraphStore::version(const std::string &graph_id,
                                                      const std::string &version) const {
    std::optional<GraphVersionRecord> out;
    runs_.read("cannot read the versions of graph " + graph_id, [&](sqlite::Database &db) {
        out = versions::select_version(db, graph_id, version);
        if (out || version.size() < 4 ||
            version.find_first_not_of("0123456789abcdef") != std::string::npos)
            return;
        const auto matches = versions::select_by_hash_prefix(db, graph_id, version, 6);
        if (matches.size() == 1) {
            out = matches[0];
        } else if (matches.size() > 1) {
            std::vector<std::string> labels;
            for (const auto &m : matches)
                labels.push_back(m.version);
            throw Error(ErrorCode::invalid_argument,
                        "\"" + version +
                            "\" starts the hash of several versions: " + listed(labels));
        }
    });
    return out;
}

std::vector<GraphVersionRecord> GraphStore::versions(const std::string &graph_id) const {
    std::vector<GraphVersionRecord> out;
    runs_.read("cannot read the versions of graph " + graph_id,
               [&](sqlite::Database &db) { out = versions::select_versions(db, graph_id); });
    return out;
}

std::optional<std::string> GraphStore::active_version(const std::string &graph_id) const {
    std::optional<std::string> out;
    runs_.read("cannot read the active version of graph " + graph_id,
               [&](sqlite::Database &db) { out = versions::active_version(db, graph_id); });
    return out;
}

std::vector<GraphEvent> GraphStore::events(const std::string &graph_id) const {
    std::vector<GraphEvent> out;
    runs_.read("cannot read the history of graph " + graph_id,
               [&](sqlite::Database &db) { out = versions::select_events(db, graph_id); });
    return out;
}

std::vector<std::string> GraphStore::graphs() const {
    std::vector<std::string> out;
    runs_.read("cannot list graph versions",
               [&](sqlite::Database &db) { out = versions::graph_ids(db); });
    return out;
}

void GraphStore::activate(GraphEvent event) {
    if (event.at_ms == 0) event.at_ms = now_ms();
    runs_.write_transaction(
        "cannot change the active version of graph " + event.graph_id, [&](sqlite::Database &db) {
            if (!versions::select_version(db, event.graph_id, event.to_version)) {
                const auto labels = versions::version_labels(db, event.graph_id);
                throw Error(ErrorCode::not_found, "graph " + event.graph_id + " has no version " +
                                                      event.to_version +
                                                      " (versions: " + listed(labels) + ")");
            }
            versions::activate(db, event);
        });
}

void GraphStore::retire(const std::string &graph_id, const std::string &version) {
    runs_.write_transaction(
        "cannot retire version " + version + " of graph " + graph_id,
        [&](sqlite::Database &db) { versions::retire(db, graph_id, version, now_ms()); });
}

void GraphStore::begin_experiment(const ExperimentRecord &experiment) {
    ExperimentRecord e = experiment;
    if (e.started_at_ms == 0) e.started_at_ms = now_ms();
    runs_.write_transaction("cannot start experiment " + e.id, [&](sqlite::Database &db) {
        for (const ExperimentRecord &other : experiments_rows::select_in_progress(db)) {
            if (other.graph_id == e.graph_id && other.node_id == e.node_id) {
                throw Error(ErrorCode::invalid_argument,
                            "node " + e.node_id + " of graph " + e.graph_id +
                                " already has experiment " + other.id + " in progress (" +
                                std::string(to_string(other.status)) + ", " + other.strategy +
                                "): one experiment per node at a time");
            }
        }
        experiments_rows::insert_experiment(db, e);
        ExpansionEvent started;
        started.graph_id = e.graph_id;
        started.graph_version = e.base_version;
        started.node_id = e.node_id;
        started.at_ms = e.started_at_ms;
        started.kind = ExpansionEventKind::started;
        started.strategy = e.strategy;
        started.detail = "candidate " + e.candidate_version + " against " + e.base_version;
        started.experiment_id = e.id;
        experiments_rows::insert_event(db, started);
    });
}

std::optional<ExperimentRecord> GraphStore::experiment(const std::string &id_or_prefix) const {
    std::optional<ExperimentRecord> out;
    runs_.read("cannot read experiment " + id_or_prefix, [&](sqlite::Database &db) {
        out = experiments_rows::select_experiment(db, id_or_prefix);
        if (out) return;
        std::vector<ExperimentRecord> matches;
        for (ExperimentRecord &e : experiments_rows::select_experiments(db, "", 0))
            if (e.id.rfind(id_or_prefix, 0) == 0) matches.push_back(std::move(e));
        if (matches.size() == 1) out = std::move(matches[0]);
        if (matches.size() > 1) {
            throw Error(ErrorCode::invalid_argument,
                        "\"" + id_or_prefix + "\" starts several experiment ids: " + matches[0].id +
                            ", " + matches[1].id + (matches.size() > 2 ? ", ..." : ""));
        }
    });
    return out;
}

std::vector<ExperimentRecord> GraphStore::experiments(const std::string &graph_id,
                                                      size_t limit) const {
    std::vector<ExperimentRecord> out;
    runs_.read("cannot list experiments", [&](sqlite::Database &db) {
        out = experiments_rows::select_experiments(db, graph_id, limit);
    });
    return out;
}

std::vector<ExperimentRecord> GraphStore::in_progress() const {
    std::vector<ExperimentRecord> out;
    runs_.read("cannot list experiments",
               [&](sqlite::Database &db) { out = experiments_rows::select_in_progress(db); });
    return out;
}

void GraphStore::update_experiment(const ExperimentRecord &experiment) {
    runs_.write_transaction("cannot update experiment " + experiment.id, [&](sqlite::Database &db) {
        if (!experiments_rows::update_experiment(db, experiment)) {
            throw Error(ErrorCode::not_found, "no experiment " + experiment.id);
        }
    });
}

bool GraphStore::decide_experiment(const ExperimentRecord &experiment) {
    if (store::in_progress(experiment.status)) {
        throw Error(ErrorCode::invalid_argument, "experiment " + experiment.id + " cannot end as " +
                                                     std::string(to_string(experiment.status)));
    }
    ExperimentRecord e = experiment;
    if (!e.decided_at_ms) e.decided_at_ms = now_ms();
    bool decided = false;
    runs_.write_transaction(
        "cannot record the decision of experiment " + e.id, [&](sqlite::Database &db) {
            decided = false;
            const auto now = experiments_rows::select_experiment(db, e.id);
            if (!now) throw Error(ErrorCode::not_found, "no experiment " + e.id);
            if (!store::in_progress(now->status)) return;
            experiments_rows::update_experiment(db, e);
            if (e.status == ExperimentStatus::promoted) {
                versions::activate(db, GraphEvent{0, e.graph_id, *e.decided_at_ms,
                                                  GraphEventKind::promotion, "",
                                                  e.candidate_version, e.id, e.decision});
            } else {
                versions::retire(db, e.graph_id, e.candidate_version, *e.decided_at_ms);
            }
            decided = true;
        });
    return decided;
}

int64_t GraphStore::record_outcome(const ExperimentOutcome &outcome) {
    ExperimentOutcome o = outcome;
    if (o.created_at_ms == 0) o.created_at_ms = now_ms();
    int64_t seq = 0;
    runs_.write_transaction(
        "cannot record an outcome of experiment " + o.experiment_id,
        [&](sqlite::Database &db) { seq = experiments_rows::insert_outcome(db, o); });
    return seq;
}

std::vector<ExperimentOutcome> GraphStore::outcomes(const std::string &experiment_id,
                                                    ExperimentPhase phase) const {
    std::vector<ExperimentOutcome> out;
    runs_.read("cannot read the outcomes of experiment " + experiment_id,
               [&](sqlite::Database &db) {
                   out = experiments_rows::select_outcomes(db, experiment_id, phase);
               });
    return out;
}

GraphStore::Graded GraphStore::graded_since(const std::string &graph_id,
                                            const std::string &graph_version,
                                            const std::string &node_id, int64_t since_ms) const {
    constexpr int64_t kHour = 3600LL * 1000;
    Graded out;
    runs_.read("cannot read the grades of node " + node_id, [&](sqlite::Database &db) {
        sqlite::Statement &s =
            db.cached("SELECT COALESCE(SUM(grades - grade_errors), 0), "
                      "COALESCE(SUM(grades - grade_errors - grade_passes), 0) "
                      "FROM metric_rollups WHERE series_id = (SELECT id FROM metric_series "
                      "WHERE graph_id = ?1 AND graph_version = ?2 AND node_id = ?3) "
                      "AND span_ms = ?4 AND start_ms >= ?5");
        const sqlite::Reset reset(s);
        s.bind(1, graph_id).bind(2, graph_version).bind(3, node_id).bind(4, kHour);
        s.bind(5, since_ms - (since_ms % kHour + kHour) % kHour);
        if (s.step()) {
            out.graded = s.column_int64(0);
            out.failures = s.column_int64(1);
        }
    });
    return out;
}

GraphStore::Graded GraphStore::graded_after(const std::string &graph_id,
                                            const std::string &graph_version,
                                            const std::string &node_id, int64_t since_ms) const {
    Graded out;
    runs_.read("cannot read the grades of node " + node_id, [&](sqlite::Database &db) {
        sqlite::Statement &s =
            db.cached("SELECT COUNT(*), COALESCE(SUM(g.pass = 0), 0) FROM grades g "
                      "JOIN runs r ON r.id = g.run_id WHERE g.created_at_ms >= ?4 "
                      "AND g.node_id = ?3 AND g.pass IS NOT NULL AND r.graph_id = ?1 "
                      "AND r.graph_version = ?2");
        const sqlite::Reset reset(s);
        s.bind(1, graph_id).bind(2, graph_version).bind(3, node_id).bind(4, since_ms);
        if (s.step()) {
            out.graded = s.column_int64(0);
            out.failures = s.column_int64(1);
        }
    });
    return out;
}

GraphStore::NodeExpansionState GraphStore::node_state(const std::string &graph_id,
                                                      const std::string &node_id) const {
    NodeExpansionState out;
    runs_.read("cannot read the experiments of node " + node_id, [&](sqlite::Database &db) {
        {
            sqlite::Statement &s =
                db.cached("SELECT MAX(decided_at_ms), SUM(status IN ('offline', 'live', 'paused')) "
                          "FROM experiments WHERE graph_id = ?1 AND node_id = ?2");
            const sqlite::Reset reset(s);
            s.bind(1, graph_id).bind(2, node_id);
            if (s.step()) {
                out.last_decided_at_ms = s.column_optional_int64(0);
                out.in_progress = s.column_int64(1) > 0;
            }
        }
        sqlite::Statement &s = db.cached(
            "SELECT MAX(at_ms) FROM expansion_events WHERE graph_id = ?1 AND node_id = ?2 "
            "AND kind = 'pending'");
        const sqlite::Reset reset(s);
        s.bind(1, graph_id).bind(2, node_id);
        if (s.step()) {
            const auto last = s.column_optional_int64(0);
            out.pending = last && (!out.last_decided_at_ms || *last > *out.last_decided_at_ms);
        }
    });
    return out;
}

std::vector<GraphStore::GradedRun> GraphStore::graded_runs(const std::string &graph_id,
                                                           const std::string &graph_version,
                                                           const std::string &node_id,
                                                           int64_t since_ms, size_t limit) const {
    std::vector<GradedRun> out;
    runs_.read("cannot read the graded runs of node " + node_id, [&](sqlite::Database &db) {
        sqlite::Statement &s = db.cached(
            "SELECT r.id, r.input, COALESCE(r.answer, ''), g.pass, g.score, g.expected, "
            "g.context, g.labels, g.reasons, g.created_at_ms "
            "FROM grades g JOIN runs r ON r.id = g.run_id "
            "WHERE r.graph_id = ?1 AND r.graph_version = ?2 AND (?3 = '' OR g.node_id = ?3) "
            "AND g.pass IS NOT NULL AND g.created_at_ms >= ?4 "
            "ORDER BY g.created_at_ms DESC, g.id DESC LIMIT ?5");
        const sqlite::Reset reset(s);
        s.bind(1, graph_id).bind(2, graph_version).bind(3, node_id).bind(4, since_ms);
        s.bind(5, static_cast<int64_t>(limit));
        while (s.step()) {
            GradedRun g;
            g.run_id = s.column_text(0);
            g.input = s.column_text(1);
            g.answer = s.column_text(2);
            g.pass = s.column_int64(3) != 0;
            g.score = s.column_optional_double(4);
            if (!s.column_is_null(5)) g.expected = s.column_text(5);
            g.context = s.column_text(6);
            g.labels = s.column_text(7);
            g.reasons = s.column_text(8);
            g.graded_at_ms = s.column_int64(9);
            out.push_back(std::move(g));
        }
    });
    return out;
}

GraphStore::LabelGraded GraphStore::graded_by_label(const std::string &graph_id,
                                                    const std::string &graph_version,
                                                    const std::string &node_id,
                                                    int64_t since_ms) const {
    LabelGraded out;
    runs_.read("cannot count the graded runs of node " + node_id, [&](sqlite::Database &db) {
        out = {};
        sqlite::Statement &s = db.cached(
            "SELECT COALESCE(json_extract(g.context, '$.labels.category'), '') AS label, "
            "COUNT(*), SUM(g.pass = 0), MAX(g.id) FROM grades g JOIN runs r ON r.id = g.run_id "
            "WHERE r.graph_id = ?1 AND r.graph_version = ?2 AND g.node_id = ?3 "
            "AND g.pass IS NOT NULL AND g.created_at_ms >= ?4 GROUP BY label ORDER BY label");
        const sqlite::Reset reset(s);
        s.bind(1, graph_id).bind(2, graph_version).bind(3, node_id).bind(4, since_ms);
        while (s.step()) {
            out.labels.emplace_back(s.column_text(0), Graded{s.column_int64(1), s.column_int64(2)});
            out.last_grade_id = std::max(out.last_grade_id, s.column_int64(3));
        }
    });
    return out;
}

GraphStore::Reach GraphStore::node_reach(const std::string &graph_id,
                                         const std::string &graph_version, int64_t since_ms) const {
    Reach out;
    runs_.read("cannot count the runs of graph " + graph_id, [&](sqlite::Database &db) {
        out = {};
        sqlite::Statement &total =
            db.cached("SELECT COUNT(*) FROM runs WHERE graph_id = ?1 AND graph_version = ?2 "
                      "AND started_at_ms >= ?3");
        const sqlite::Reset reset_total(total);
        total.bind(1, graph_id).bind(2, graph_version).bind(3, since_ms);
        if (total.step()) out.runs = total.column_int64(0);
        sqlite::Statement &nodes = db.cached(
            "SELECT n.node_id, COUNT(DISTINCT n.run_id) FROM node_executions n "
            "JOIN runs r ON r.id = n.run_id WHERE r.graph_id = ?1 AND r.graph_version = ?2 "
            "AND r.started_at_ms >= ?3 GROUP BY n.node_id ORDER BY n.node_id");
        const sqlite::Reset reset_nodes(nodes);
        nodes.bind(1, graph_id).bind(2, graph_version).bind(3, since_ms);
        while (nodes.step())
            out.nodes.emplace_back(nodes.column_text(0), nodes.column_int64(1));
    });
    return out;
}

GraphStore::CallCounts GraphStore::node_calls(const std::string &graph_id,
                                              const std::string &graph_version,
                                              const std::string &node_id, int64_t since_ms) const {
    CallCounts out;
    runs_.read("cannot count the calls of node " + node_id, [&](sqlite::Database &db) {
        for (const bool tools : {false, true}) {
            const std::string table = tools ? "tool_calls" : "model_calls";
            const std::string column = tools ? "tool" : "model";
            sqlite::Statement &s = db.cached(
                "SELECT c." + column + ", COUNT(*) FROM " + table +
                " c JOIN node_executions n ON n.run_id = c.run_id AND n.seq = c.node_seq "
                "JOIN runs r ON r.id = n.run_id WHERE r.graph_id = ?1 AND r.graph_version = ?2 "
                "AND n.node_id = ?3 AND r.started_at_ms >= ?4 GROUP BY c." +
                column + " ORDER BY 2 DESC");
            const sqlite::Reset reset(s);
            s.bind(1, graph_id).bind(2, graph_version).bind(3, node_id).bind(4, since_ms);
            auto &list = tools ? out.tools : out.models;
            while (s.step())
                list.emplace_back(s.column_text(0), s.column_int64(1));
        }
    });
    return out;
}

std::optional<GraphStore::Promotion> GraphStore::promotion_of(const std::string &graph_id,
                                                              const std::string &version) const {
    std::optional<Promotion> out;
    runs_.read("cannot read the promotions of graph " + graph_id, [&](sqlite::Database &db) {
        sqlite::Statement &s =
            db.cached("SELECT e.experiment_id, x.node_id, x.base_version, e.at_ms "
                      "FROM graph_events e JOIN experiments x ON x.id = e.experiment_id "
                      "WHERE e.graph_id = ?1 AND e.to_version = ?2 AND e.kind = 'promotion' "
                      "ORDER BY e.id DESC LIMIT 1");
        const sqlite::Reset reset(s);
        s.bind(1, graph_id).bind(2, version);
        if (s.step())
            out =
                Promotion{s.column_text(0), s.column_text(1), s.column_text(2), s.column_int64(3)};
    });
    return out;
}

bool GraphStore::roll_back(const std::string &graph_id, const std::string &from,
                           const std::string &to, const std::string &experiment_id,
                           const std::string &reason) {
    bool done = false;
    runs_.write_transaction("cannot roll graph " + graph_id + " back", [&](sqlite::Database &db) {
        done = false;
        if (versions::active_version(db, graph_id) != from) return;
        versions::activate(db, GraphEvent{0, graph_id, now_ms(), GraphEventKind::auto_rollback, "",
                                          to, experiment_id, reason});
        done = true;
    });
    return done;
}

int64_t GraphStore::record_event(const ExpansionEvent &event) {
    ExpansionEvent e = event;
    if (e.at_ms == 0) e.at_ms = now_ms();
    int64_t id = 0;
    runs_.write_transaction("cannot record an expansion event", [&](sqlite::Database &db) {
        id = experiments_rows::insert_event(db, e);
    });
    return id;
}

std::vector<ExpansionEvent> GraphStore::expansion_events(const std::string &graph_id,
                                                         size_t limit) const {
    std::vector<ExpansionEvent> out;
    runs_.read("cannot read expansion events", [&](sqlite::Database &db) {
        out = experiments_rows::select_events(db, graph_id, limit);
    });
    return out;
}

} // namespace tinyllm::store
