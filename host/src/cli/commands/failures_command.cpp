// tinyllm failures analyze [--last N] [--since WHEN] [--graph ID] [--evaluation ID]
// [--min-score X] [--json]: why the failed and low-graded runs of a window failed, grouped by
// category with the nodes to blame (forensics/analysis.hpp), as a table or as JSON.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/forensics_render.hpp"
#include "cli/forensics_window.hpp"
#include "cli/terminal.hpp"
#include "tinyllm/wall_clock.hpp"

#include <chrono>
#include <cmath>
#include <iostream>

namespace tinyllm::cli {
namespace {

int analyze(Context &ctx, const WindowQuery &query, std::optional<double> min_score, bool as_json) {
    const Window window = load_window(ctx.store(), query);
    forensics::AnalysisOptions options;
    options.min_score = min_score;
    const forensics::Report report = forensics::analyse(window.runs, options);
    if (as_json) {
        std::cout << failures_json(report, {query, window, min_score}) << "\n";
        return kExitOk;
    }
    const std::string window_text = describe_window(query, window);
    if (report.runs == 0) {
        std::cout << "no finished runs in the window (" << window_text << ", in "
                  << ctx.store().path().string() << ")\n";
    } else if (report.findings.empty()) {
        std::cout << "no failed or low-graded runs in " << window_text << "\n";
    } else {
        print_failures(std::cout, report, window_text, color_enabled(stdout));
    }
    print_notes(std::cout, window.notes);
    return kExitOk;
}

} // namespace

int run_failures(Context &ctx, const std::vector<std::string> &args) {
    bool as_json = false;
    int64_t last = 100;
    std::string since, graph, evaluation;
    double min_score = 0;
    po::options_description desc("Options");
    desc.add_options()("help,h", "show this help")("last", po::value(&last)->value_name("N"),
                                                   "the newest N finished runs (default 100)")(
        "since", po::value(&since)->value_name("WHEN"),
        "only runs started since WHEN: a duration back from now (30m, 1h, 7d, 2w) or a time "
        "(2025-06-01, 2025-06-01T14:30, ...Z, ...+02:00; local time without a zone)")(
        "graph", po::value(&graph)->value_name("ID"),
        "only runs of graph ID")("evaluation", po::value(&evaluation)->value_name("ID"),
                                 "instead, the runs evaluation ID graded, with its grades")(
        "min-score", po::value(&min_score)->value_name("X"),
        "a grade scored below X (0..1) is low even when it passed (default: only a failing "
        "grade is)")("json", po::bool_switch(&as_json), "print the report as JSON");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {"action"}, ctx.options());
    if (vm.count("help")) {
        print_help(
            "failures analyze [--last N] [--since WHEN] [--graph ID] [--evaluation ID] "
            "[--min-score X] [--json]",
            "analyze: groups the failed and low-graded runs of a window by why they failed\n"
            "  (backend unavailable, timeout, tool error, wrong route, tool-call loop bound,\n"
            "  format, empty answer, gate rule, judge verdict, uncategorised), from the error\n"
            "  codes, gate decisions, router decisions and judges' labels in their traces; per\n"
            "  category: runs, share, the nodes blamed, two example runs and a next step.\n"
            "  Exit 0 with the report (also when there is nothing to report), 7 for an unknown\n"
            "  --evaluation. See docs/cli.md.",
            desc);
        return kExitOk;
    }
    const std::string action = positional(vm, "action", "analyze");
    if (action != "analyze") {
        throw Error(ErrorCode::usage, "unknown failures action \"" + action + "\" (see --help)");
    }
    if (last <= 0) throw Error(ErrorCode::usage, "--last takes a number of runs above 0");
    if (vm.count("min-score") && !(min_score >= 0 && min_score <= 1)) {
        throw Error(ErrorCode::usage, "--min-score takes a score from 0 to 1");
    }
    WindowQuery query;
    if (vm.count("evaluation")) {
        if (vm.count("last") || vm.count("since")) {
            throw Error(ErrorCode::usage, "--evaluation chooses the runs: give it without --last "
                                          "and --since");
        }
        query.evaluation = evaluation;
    }
    query.last = static_cast<size_t>(last);
    if (vm.count("since")) query.since_ms = parse_since(since, now_ms());
    if (vm.count("graph")) query.graph = graph;
    return analyze(ctx, query,
                   vm.count("min-score") ? std::optional<double>(min_score) : std::nullopt,
                   as_json);
}

} // namespace tinyllm::cli
