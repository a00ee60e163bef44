// tinyllm graph validate FILE|ID [--json] | show FILE|ID [--format text|mermaid|dot] | schema |
// versions ID | diff ID V1 V2 | rollback ID --version V | export ID [--version V] — check a graph
// file before running it, draw it, print what every key of the format means, and look after the
// versions self-improvement makes (cli/graph_versions.hpp).
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/graph_versions.hpp"
#include "cli/schema_help.hpp"
#include "cli/terminal.hpp"
#include "config/suggest.hpp"
#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "graph/graph_render.hpp"
#include "tinyllm/json.hpp"

#include <algorithm>
#include <iostream>

namespace tinyllm::cli {
namespace {

namespace fs = std::filesystem;

// The id a graph file declares, or nullopt when it does not load.
std::optional<std::string> declared_id(const fs::path &file) {
    try {
        return graph::load_graph_def(file).id;
    } catch (const Error &) {
        return std::nullopt;
    }
}

std::string unknown_graph(const std::string &name, const config::Config &config) {
    std::vector<std::string> names;
    for (const fs::path &file : config.graph_files)
        names.push_back(file.stem().string());
    return "no graph file or graph \"" + name + "\"" +
           config::did_you_mean(name, names, "graphs",
                                (config.dir / "graphs").string() + " has none");
}

// FILE as given when it exists or looks like a path (then loading it says what is wrong);
// otherwise a graph of the config dir named so by its file name or by its id.
fs::path resolve_graph(Context &ctx, const std::string &target) {
    const fs::path given(target);
    std::error_code ec;
    if (fs::exists(given, ec) || target.find('/') != std::string::npos ||
        given.extension() == ".yaml" || given.extension() == ".yml") {
        return given;
    }
    const config::Config &config = ctx.config();
    for (const fs::path &file : config.graph_files) {
        if (file.stem() == target) return file;
    }
    for (const fs::path &file : config.graph_files) {
        if (declared_id(file) == target) return file;
    }
    throw Error(ErrorCode::not_found, unknown_graph(target, config));
}

json::Document validation_json(const fs::path &file, const graph::Graph &built) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    doc.AddMember("file", json::string_value(file.string(), a), a);
    doc.AddMember("valid", true, a);
    doc.AddMember("id", json::string_value(built.def.id, a), a);
    doc.AddMember("version", json::string_value(built.def.version, a), a);
    doc.AddMember("nodes", static_cast<uint64_t>(built.def.nodes.size()), a);
    doc.AddMember("edges", static_cast<uint64_t>(built.def.edges.size()), a);
    json::Value warnings(rapidjson::kArrayType);
    for (const std::string &w : built.warnings)
        warnings.PushBack(json::string_value(w, a), a);
    doc.AddMember("warnings", warnings, a);
    return doc;
}

// With --json the outcome is always a document on stdout (the exit code still tells).
int print_invalid_json(const fs::path &file, const Error &e) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    doc.AddMember("file", json::string_value(file.string(), a), a);
    doc.AddMember("valid", false, a);
    doc.AddMember("error", json::string_value(e.what(), a), a);
    doc.AddMember("code", json::string_value(to_string(e.code()), a), a);
    std::cout << json::to_pretty_string(doc) << "\n";
    return exit_code_for(e.code());
}

// The graph loaded as a run loads it, offline (Context::check_graph), so a graph that validates
// only fails at run time for run-time reasons.
int validate(Context &ctx, const std::string &target, bool as_json) {
    const fs::path file = resolve_graph(ctx, target);
    std::unique_ptr<graph::Graph> built;
    try {
        built = ctx.check_graph(file);
    } catch (const Error &e) {
        if (as_json) return print_invalid_json(file, e);
        throw;
    }
    if (as_json) {
        std::cout << json::to_pretty_string(validation_json(file, *built)) << "\n";
        return kExitOk;
    }
    const bool color = color_enabled(stderr);
    for (const std::string &w : built->warnings) {
        std::cerr << "tinyllm: " << paint("warning", Color::yellow, color) << ": " << w << "\n";
    }
    std::cout << file.string() << ": graph " << built->def.id << " " << built->def.version
              << " is valid (" << built->def.nodes.size() << " nodes, " << built->def.edges.size()
              << " edges)\n";
    return kExitOk;
}

// Drawn from the file alone (no plugins needed), so a graph can be looked at anywhere.
int show(Context &ctx, const std::string &target, const std::string &format_name) {
    const auto format = graph::parse_render_format(format_name);
    if (!format) {
        throw Error(ErrorCode::usage,
                    "unknown --format \"" + format_name + "\" (expected text, mermaid or dot)");
    }
    std::cout << graph::render(graph::load_graph_def(resolve_graph(ctx, target)), *format);
    return kExitOk;
}

int schema(bool as_json) {
    const json::Document doc =
        json::parse(graph::graph_schema_text(), "graph schema", ErrorCode::internal);
    if (as_json) {
        std::cout << json::to_pretty_string(doc) << "\n";
        return kExitOk;
    }
    std::cout << "graphs/*.yaml\n";
    for (const auto &line : describe_schema(doc))
        std::cout << "  " << line << "\n";
    return kExitOk;
}

} // namespace

// The graph id a versions action means: the id a graph file declares (when TARGET names one),
// else TARGET itself (a graph known only by its recorded versions).
std::string graph_id_of(Context &ctx, const std::string &target) {
    try {
        if (auto id = declared_id(resolve_graph(ctx, target))) return *id;
    } catch (const Error &) {
    }
    return target;
}

int run_graph(Context &ctx, const std::vector<std::string> &args) {
    po::options_description desc("Options");
    bool as_json = false;
    std::string format;
    std::string version;
    std::string reason;
    std::string output;
    desc.add_options()("help,h", "show this help")(
        "json", po::bool_switch(&as_json),
        "validate, schema, versions, diff, rollback: print the result as JSON")(
        "format", po::value<std::string>(&format)->default_value("text"),
        "show: text, mermaid or dot")("version", po::value<std::string>(&version),
                                      "rollback, export: the version (or a prefix of its hash)")(
        "reason", po::value<std::string>(&reason), "rollback: why, recorded with it")(
        "output,o", po::value<std::string>(&output), "export: write to FILE (default stdout)");
    add_common_options(desc, ctx.options());
    const auto vm =
        parse_with_positionals(args, desc, {"action", "target", "versions..."}, ctx.options());
    const std::string usage =
        "graph validate FILE|ID [--json] | show FILE|ID [--format text|mermaid|dot] | schema |\n"
        "       versions ID [--json] | diff ID V1 V2 [--json] | rollback ID --version V |\n"
        "       export ID [--version V] [-o FILE]";
    if (vm.count("help")) {
        print_help(usage,
                   "validate: check a graph file: its keys, node types and configs against the\n"
                   "  plugins, edges, conditions, reachability and loop bounds.\n"
                   "show: print the graph as text, a Mermaid flowchart or a Graphviz digraph.\n"
                   "schema: what every key of a graph file means, with its default.\n"
                   "versions: every version of the graph the run store keeps (each file edit\n"
                   "  that ran, each candidate self-improvement proposed), which one is active,\n"
                   "  and the history of promotions and rollbacks.\n"
                   "diff: what changed from V1 to V2 (nodes, their settings, edges).\n"
                   "rollback: make V the active version at once: new runs use it, runs in flight\n"
                   "  finish on theirs. The config dir's file is never changed.\n"
                   "export: a version as a graph file (YAML), e.g. to keep a promoted candidate.\n"
                   "FILE|ID is a path, or the name of a graph in the config dir's graphs/.",
                   desc);
        return kExitOk;
    }
    if (!vm.count("action")) throw Error(ErrorCode::usage, "graph needs an action (see --help)");
    const std::string action = positional(vm, "action");
    const std::string target = positional(vm, "target");
    const std::vector<std::string> versions = positional_rest(vm, "versions");
    if (action == "schema") return schema(as_json);
    static const std::vector<std::string> kActions = {"validate", "show",     "versions",
                                                      "diff",     "rollback", "export"};
    if (std::find(kActions.begin(), kActions.end(), action) == kActions.end()) {
        throw Error(ErrorCode::usage, "unknown graph action \"" + action + "\"" +
                                          config::did_you_mean(action, kActions, "actions") +
                                          " (see --help)");
    }
    if (target.empty()) throw Error(ErrorCode::usage, "graph " + action + " needs a FILE or ID");
    const size_t wanted_versions = action == "diff" ? 2 : 0;
    if (versions.size() != wanted_versions) {
        throw Error(ErrorCode::usage, action == "diff"
                                          ? "graph diff needs two versions: graph diff ID V1 V2"
                                          : "graph " + action + " takes one FILE or ID (got \"" +
                                                versions[0] + "\" too)");
    }
    if (action == "validate") return validate(ctx, target, as_json);
    if (action == "show") return show(ctx, target, format);
    const std::string id = graph_id_of(ctx, target);
    if (action == "versions") return print_graph_versions(ctx, id, as_json);
    if (action == "diff") return print_graph_diff(ctx, id, versions[0], versions[1], as_json);
    if (action == "export") return export_graph_version(ctx, id, version, output);
    if (version.empty()) {
        throw Error(ErrorCode::usage, "graph rollback needs --version V (tinyllm graph versions " +
                                          id + " lists them)");
    }
    return rollback_graph(ctx, id, version, reason, as_json);
}

} // namespace tinyllm::cli
