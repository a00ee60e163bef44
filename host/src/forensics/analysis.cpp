#include "forensics/analysis.hpp"

#include "forensics/next_step.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace tinyllm::forensics {
namespace {

// Most first, then by name, so that equal counts print in a stable order.
std::vector<Count> ranked(const std::map<std::string, size_t> &counts) {
    std::vector<Count> out;
    for (const auto &[name, n] : counts)
        out.push_back({name, n});
    std::stable_sort(out.begin(), out.end(),
                     [](const Count &a, const Count &b) { return a.count > b.count; });
    return out;
}

void merge(std::vector<std::string> &into, const std::vector<std::string> &items) {
    for (const std::string &item : items) {
        if (std::find(into.begin(), into.end(), item) == into.end()) into.push_back(item);
    }
}

// What `node` had in the runs of group `g` it is blamed for.
NodeHelp help_of(const std::vector<Finding> &findings, const Group &g, const std::string &node) {
    NodeHelp help;
    for (const Finding &f : findings) {
        if (f.category != g.category || f.key != g.key || f.node != node) continue;
        merge(help.tools_called, f.help.tools_called);
        merge(help.gate_rules_passed, f.help.gate_rules_passed);
    }
    return help;
}

} // namespace

std::string title(Category category, const std::string &key) {
    std::string t(describe(category));
    if (!key.empty()) return t + ": " + key;
    if (category == Category::gate_rule) return t + ": (not recorded)";
    return t;
}

Report analyse(const std::vector<RunEvidence> &window, const AnalysisOptions &options) {
    std::vector<TraceView> views;
    views.reserve(window.size());
    for (const RunEvidence &e : window)
        views.emplace_back(e.run);
    // Every decision of the window first: a stopped gate's reasons are matched against them.
    GateRuleBook book;
    for (const TraceView &v : views)
        book.learn(v);

    Report report;
    std::map<std::string, size_t> recovered_rules, recovered_codes;
    const ClassifyOptions classify_options{options.min_score};
    for (size_t i = 0; i < window.size(); ++i) {
        const trace::RunStatus status = window[i].run.status;
        if (status == trace::RunStatus::running) continue;
        ++report.runs;
        if (status == trace::RunStatus::cancelled) {
            ++report.cancelled;
            continue;
        }
        if (auto f = classify(window[i], views[i], book, classify_options)) {
            ++(f->run_failed ? report.failed : report.weak);
            report.findings.push_back(std::move(*f));
            continue;
        }
        const Recovery r = recovery_of(views[i]);
        if (r.empty()) continue;
        ++report.recovered.runs;
        for (const std::string &rule : r.gate_rules)
            ++recovered_rules[rule];
        for (const std::string &code : r.retried_codes)
            ++recovered_codes[code];
    }
    report.recovered.gate_rules = ranked(recovered_rules);
    report.recovered.retried_codes = ranked(recovered_codes);

    std::map<std::pair<Category, std::string>, std::map<std::string, size_t>> blamed;
    for (const Finding &f : report.findings) {
        const auto group_key = std::make_pair(f.category, f.key);
        auto it = std::find_if(report.groups.begin(), report.groups.end(), [&](const Group &g) {
            return g.category == f.category && g.key == f.key;
        });
        if (it == report.groups.end()) {
            Group g;
            g.category = f.category;
            g.key = f.key;
            report.groups.push_back(std::move(g));
            it = std::prev(report.groups.end());
        }
        ++it->count;
        ++blamed[group_key][f.node];
        if (it->examples.size() < options.examples) {
            it->examples.push_back({f.run_id, f.node, f.excerpt});
        }
    }
    const double total = static_cast<double>(report.findings.size());
    for (Group &g : report.groups) {
        g.share = static_cast<double>(g.count) / total;
        g.blamed = ranked(blamed[{g.category, g.key}]);
        const std::string &node = g.blamed.front().name;
        g.next_step = next_step(g.category, g.key, node, help_of(report.findings, g, node));
    }
    std::stable_sort(
        report.groups.begin(), report.groups.end(), [](const Group &a, const Group &b) {
            return std::tie(b.count, a.category, a.key) < std::tie(a.count, b.category, b.key);
        });
    return report;
}

} // namespace tinyllm::forensics
