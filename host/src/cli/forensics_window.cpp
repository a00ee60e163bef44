#include "cli/forensics_window.hpp"

#include "cli/forensics_labels.hpp"
#include "cli/time_arg.hpp"
#include "tinyllm/error.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <unordered_map>

namespace tinyllm::cli {
namespace {

// The newest `query.last` finished runs, without their nodes. Runs still running take places
// in a listing without being part of the window, so the listing grows until enough finished
// runs (or all of them, or all since the start of the window) are in it.
std::vector<trace::Run> newest_finished(const store::RunStore &store, const WindowQuery &query,
                                        size_t &running) {
    store::RunStore::ListFilter filter;
    filter.limit = query.last;
    filter.graph_id = query.graph;
    for (;;) {
        const std::vector<trace::Run> listed = store.list(filter);
        std::vector<trace::Run> finished;
        running = 0;
        bool reached_start = false;
        for (const trace::Run &r : listed) {
            if (query.since_ms && r.started_at_ms < *query.since_ms) {
                reached_start = true;
                break;
            }
            if (r.status == trace::RunStatus::running) {
                ++running;
            } else if (finished.size() < query.last) {
                finished.push_back(r);
            }
        }
        if (finished.size() == query.last || reached_start || listed.size() < filter.limit) {
            return finished;
        }
        filter.limit = query.last + running;
    }
}

std::vector<forensics::RunEvidence> evaluation_runs(const store::RunStore &store,
                                                    const store::EvaluationRecord &evaluation,
                                                    const std::optional<std::string> &graph) {
    std::vector<forensics::RunEvidence> runs;
    std::unordered_map<std::string, size_t> index; // run id -> place in runs
    for (store::GradeRecord &g : store.grades_of_evaluation(evaluation.id)) {
        if (g.run_id.empty()) continue;
        const auto [it, added] = index.emplace(g.run_id, runs.size());
        if (added) {
            forensics::RunEvidence e;
            e.run.id = g.run_id;
            runs.push_back(std::move(e));
        }
        runs[it->second].grades.push_back(std::move(g));
    }
    std::vector<forensics::RunEvidence> loaded;
    for (forensics::RunEvidence &e : runs) {
        std::optional<trace::Run> run = store.get(e.run.id);
        if (!run || run->status == trace::RunStatus::running) continue;
        if (graph && run->graph_id != *graph) continue;
        e.run = std::move(*run);
        loaded.push_back(std::move(e));
    }
    return loaded;
}

} // namespace

Window load_window(const store::RunStore &store, const WindowQuery &query) {
    Window window;
    if (query.evaluation) {
        window.evaluation = store.evaluation(*query.evaluation);
        if (!window.evaluation) {
            throw Error(ErrorCode::not_found, "no evaluation " + *query.evaluation +
                                                  " is recorded in " + store.path().string());
        }
        window.runs = evaluation_runs(store, *window.evaluation, query.graph);
    } else {
        for (const trace::Run &listed : newest_finished(store, query, window.running)) {
            std::optional<trace::Run> run = store.get(listed.id);
            if (!run) continue; // removed meanwhile
            forensics::RunEvidence e;
            e.grades = store.grades_of_run(run->id);
            e.run = std::move(*run);
            window.runs.push_back(std::move(e));
        }
    }
    DatasetRoutes routes(store);
    for (forensics::RunEvidence &e : window.runs) {
        for (const store::GradeRecord &g : e.grades) {
            e.expected_route = routes.route_of(g);
            if (e.expected_route) break;
        }
    }
    window.notes = routes.notes();
    return window;
}

std::string describe_window(const WindowQuery &query, const Window &window) {
    const std::string n = std::to_string(window.runs.size());
    const std::string runs = window.runs.size() == 1 ? " run" : " runs";
    std::string text;
    if (window.evaluation) {
        text = "the " + n + runs + " graded by evaluation " + window.evaluation->id + " (" +
               window.evaluation->dataset + ")";
    } else {
        text = "the last " + n + runs;
    }
    if (query.graph) text += " of graph " + *query.graph;
    if (query.since_ms) text += " started since " + local_time(*query.since_ms);
    return text;
}

int64_t parse_since(const std::string &text, int64_t now_ms) {
    if (const auto d = duration_ms(text)) {
        if (*d <= 0) bad_since(text);
        return now_ms - *d;
    }
    const auto t = iso_time_ms(text);
    if (!t) bad_since(text);
    if (*t > now_ms) throw Error(ErrorCode::usage, "--since " + text + " is in the future");
    return *t;
}

} // namespace tinyllm::cli
