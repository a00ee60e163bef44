// tinyllm runs list [--last N] [--status S] [--graph G] | show ID | prune --older-than D — the
// recorded runs.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/terminal.hpp"
#include "cli/time_arg.hpp"
#include "tinyllm/wall_clock.hpp"
#include "trace/trace_json.hpp"

#include <ctime>
#include <iostream>

namespace tinyllm::cli {
namespace {

std::string local_time(int64_t epoch_ms) {
    const std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

// Stored text (a prompt, an answer, an error) shown on one line of a table: line breaks as
// spaces, and every other control character escaped (terminal_safe), so that what a user or a
// model wrote cannot retitle the terminal, clear it or colour it.
std::string one_line(std::string text, size_t width) {
    for (char &c : text) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    text = terminal_safe(text);
    if (text.size() > width) text = text.substr(0, width - 3) + "...";
    return text;
}

Color status_color(trace::RunStatus s) {
    switch (s) {
    case trace::RunStatus::succeeded: return Color::green;
    case trace::RunStatus::running: return Color::yellow;
    case trace::RunStatus::failed: return Color::red;
    case trace::RunStatus::cancelled: return Color::yellow;
    }
    return Color::red;
}

int list(Context &ctx, size_t last, const std::string &status, const std::string &graph,
         bool as_json) {
    store::RunStore::ListFilter filter;
    filter.limit = last;
    if (!status.empty()) {
        filter.status = trace::parse_run_status(status);
        if (!filter.status) {
            throw Error(ErrorCode::usage, "--status must be running, succeeded, failed or "
                                          "cancelled, not \"" +
                                              status + "\"");
        }
    }
    if (!graph.empty()) filter.graph_id = graph;
    const auto runs = ctx.store().list(filter);
    if (as_json) {
        json::Document doc(rapidjson::kArrayType);
        for (const auto &r : runs)
            doc.PushBack(trace::to_json(r, false, doc.GetAllocator()), doc.GetAllocator());
        std::cout << json::to_pretty_string(doc) << "\n";
        return kExitOk;
    }
    const bool color = color_enabled(stdout);
    std::printf("%-24s %-19s %-10s %-9s %8s  %s\n", "ID", "STARTED", "GRAPH", "STATUS", "MS",
                "INPUT → ANSWER / ERROR");
    for (const auto &r : runs) {
        const int64_t ms = r.finished_at_ms > 0 ? r.finished_at_ms - r.started_at_ms : 0;
        const std::string outcome =
            r.status == trace::RunStatus::succeeded ? r.answer : r.error_message;
        const std::string status_text = std::string(trace::to_string(r.status));
        std::printf("%-24s %-19s %-10s %s %8lld  %s → %s\n", r.id.c_str(),
                    local_time(r.started_at_ms).c_str(), one_line(r.graph_id, 10).c_str(),
                    (paint(status_text, status_color(r.status), color) +
                     std::string(status_text.size() < 9 ? 9 - status_text.size() : 0, ' '))
                        .c_str(),
                    static_cast<long long>(ms), one_line(r.input, 30).c_str(),
                    one_line(outcome, 40).c_str());
    }
    if (runs.empty()) std::cout << "no runs recorded in " << ctx.store().path().string() << "\n";
    return kExitOk;
}

// What the model read from a tool call: the result's content (the document when it has none).
std::string tool_content(const std::string &result) {
    try {
        const json::Document doc = json::parse_object(result, "tool result");
        if (auto content = json::get_string(doc, "content")) return *content;
    } catch (const Error &) {
    }
    return result;
}

int show(Context &ctx, const std::string &id, bool as_json) {
    const auto run = ctx.store().get(id);
    if (!run) throw Error(ErrorCode::not_found, "no run with id \"" + id + "\"");
    if (as_json) {
        json::Document doc;
        doc.CopyFrom(trace::to_json(*run, true, doc.GetAllocator()), doc.GetAllocator());
        std::cout << json::to_pretty_string(doc) << "\n";
        return kExitOk;
    }
    const bool color = color_enabled(stdout);
    std::cout << paint("Run " + run->id, Color::bold, color) << "\n";
    std::printf(
        "  %-10s %s %s\n  %-10s %s\n  %-10s %s\n", "Graph", terminal_safe(run->graph_id).c_str(),
        terminal_safe(run->graph_version).c_str(), "Status",
        paint(std::string(trace::to_string(run->status)), status_color(run->status), color).c_str(),
        "Started", local_time(run->started_at_ms).c_str());
    if (run->finished_at_ms > 0) {
        std::printf("  %-10s %lld ms\n", "Duration",
                    static_cast<long long>(run->finished_at_ms - run->started_at_ms));
    }
    std::printf("  %-10s %s\n", "Input", one_line(run->input, 100).c_str());
    if (run->status == trace::RunStatus::succeeded) {
        std::printf("  %-10s %s\n", "Answer", one_line(run->answer, 100).c_str());
    } else if (!run->error_message.empty()) {
        std::printf("  %-10s %s%s\n", "Error", terminal_safe(run->error_message).c_str(),
                    run->error_node.empty()
                        ? ""
                        : (" (node " + terminal_safe(run->error_node) + ")").c_str());
    }
    std::cout << "\n";
    std::printf("  %-4s %-16s %-12s %-3s %-10s %10s  %s\n", "SEQ", "NODE", "TYPE", "TRY", "STATUS",
                "US", "MODEL AND TOOL CALLS / ROUTE / ERROR");
    for (const auto &n : run->nodes) {
        std::string detail;
        for (const auto &m : n.model_calls) {
            detail += m.model + " (" + std::to_string(m.prompt_tokens.value_or(0)) + "→" +
                      std::to_string(m.completion_tokens.value_or(0)) + " tokens) ";
        }
        for (const auto &t : n.tool_calls) {
            detail += t.tool + (t.error.empty() ? "" : "(failed)") + " ";
        }
        if (!n.route.empty()) detail += "route=" + n.route + " ";
        if (!n.error.empty()) detail += n.error;
        std::printf("  %-4lld %-16s %-12s %-3d %-10s %10lld  %s\n", static_cast<long long>(n.seq),
                    one_line(n.node_id, 16).c_str(), one_line(n.node_type, 12).c_str(), n.attempt,
                    std::string(trace::to_string(n.status)).c_str(),
                    static_cast<long long>(n.duration_us), one_line(detail, 80).c_str());
        for (const auto &t : n.tool_calls) {
            std::printf("         tool %s %s -> %s (%lld us)\n", terminal_safe(t.tool).c_str(),
                        one_line(t.arguments, 60).c_str(),
                        one_line(t.error.empty() ? tool_content(t.result) : "error: " + t.error, 60)
                            .c_str(),
                        static_cast<long long>(t.duration_us));
        }
    }
    return kExitOk;
}

// Deletes the runs that started more than `older_than` ago (and have ended).
int prune(Context &ctx, const std::string &older_than, bool as_json) {
    if (older_than.empty()) {
        throw Error(ErrorCode::usage, "runs prune needs --older-than DURATION (30d, 12h, 2w)");
    }
    const std::optional<int64_t> age = duration_ms(older_than);
    if (!age) {
        throw Error(ErrorCode::usage,
                    "--older-than takes a duration (30d, 12h, 2w, 1h30m), not \"" + older_than +
                        "\"");
    }
    const int64_t before = now_ms() - *age;
    const size_t deleted = ctx.store().delete_runs_before(before);
    if (as_json) {
        std::cout << "{\"deleted\":" << deleted << ",\"before_ms\":" << before << "}\n";
    } else {
        std::cout << "deleted " << deleted << " run(s) that started before " << local_time(before)
                  << " from " << ctx.store().path().string() << "\n";
    }
    return kExitOk;
}

} // namespace

int run_runs(Context &ctx, const std::vector<std::string> &args) {
    bool as_json = false;
    size_t last = 20;
    std::string status, graph, older_than;
    po::options_description desc("Options");
    desc.add_options()("help,h", "show this help")("json", po::bool_switch(&as_json),
                                                   "print data as JSON")(
        "last,n", po::value(&last)->value_name("N"),
        "list the N newest runs (default 20; 0 = all)")("status",
                                                        po::value(&status)->value_name("S"),
                                                        "only runs with status S: running, "
                                                        "succeeded, failed, cancelled")(
        "graph", po::value(&graph)->value_name("ID"), "only runs of graph ID")(
        "older-than", po::value(&older_than)->value_name("DURATION"),
        "prune: delete the runs that started longer ago than this (30d, 12h)");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {"action", "id"}, ctx.options());
    if (vm.count("help")) {
        print_help("runs list [--last N] [--status S] [--graph ID] | show ID | prune "
                   "--older-than DURATION [--json]",
                   "list: the recorded runs, newest first.\n"
                   "show: one run's trace: every node execution, its model calls and errors\n"
                   "  (ID may be a unique prefix).\n"
                   "prune: delete the runs that started longer ago than DURATION, with their\n"
                   "  traces and grades (runs still running stay; so do the metrics they\n"
                   "  counted). tinyllm serve does it at its start and hourly with\n"
                   "  retention.max_age_days.",
                   desc);
        return kExitOk;
    }
    const std::string action = positional(vm, "action", "list");
    if (action == "list") return list(ctx, last, status, graph, as_json);
    if (action == "prune") return prune(ctx, older_than, as_json);
    if (action == "show") {
        if (!vm.count("id")) throw Error(ErrorCode::usage, "runs show needs an ID");
        return show(ctx, positional(vm, "id"), as_json);
    }
    throw Error(ErrorCode::usage, "unknown runs action \"" + action + "\" (see --help)");
}

} // namespace tinyllm::cli
