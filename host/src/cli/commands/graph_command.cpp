// tinyllm graph validate FILE|ID [--json] | show FILE|ID [--format text|mermaid|dot] | schema —
// check a graph file before running it, draw it, and print what every key of the format means.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/schema_help.hpp"
#include "cli/terminal.hpp"
#include "config/suggest.hpp"
#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "graph/graph_render.hpp"
#include "tinyllm/json.hpp"

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

// Everything but creating the node instances: node types and configs are checked against the
// plugins, so a graph that validates only fails at run time for run-time reasons.
int validate(Context &ctx, const std::string &target, bool as_json) {
    const fs::path file = resolve_graph(ctx, target);
    std::unique_ptr<graph::Graph> built;
    try {
        built = graph::build_graph(graph::load_graph_def(file), ctx.registry(), nullptr, false);
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

int run_graph(Context &ctx, const std::vector<std::string> &args) {
    po::options_description desc("Options");
    bool as_json = false;
    std::string format;
    desc.add_options()("help,h", "show this help")("json", po::bool_switch(&as_json),
                                                   "validate, schema: print the result as JSON")(
        "format", po::value<std::string>(&format)->default_value("text"),
        "show: text, mermaid or dot");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {"action", "target"}, ctx.options());
    const std::string usage =
        "graph validate FILE|ID [--json] | show FILE|ID [--format text|mermaid|dot] | schema";
    if (vm.count("help")) {
        print_help(usage,
                   "validate: check a graph file: its keys, node types and configs against the\n"
                   "  plugins, edges, conditions, reachability and loop bounds.\n"
                   "show: print the graph as text, a Mermaid flowchart or a Graphviz digraph.\n"
                   "schema: what every key of a graph file means, with its default.\n"
                   "FILE|ID is a path, or the name of a graph in the config dir's graphs/.",
                   desc);
        return kExitOk;
    }
    if (!vm.count("action")) throw Error(ErrorCode::usage, "graph needs an action (see --help)");
    const std::string action = positional(vm, "action");
    const std::string target = positional(vm, "target");
    if (action == "schema") return schema(as_json);
    if (action != "validate" && action != "show") {
        throw Error(ErrorCode::usage, "unknown graph action \"" + action + "\" (see --help)");
    }
    if (target.empty()) throw Error(ErrorCode::usage, "graph " + action + " needs a FILE or ID");
    if (action == "validate") return validate(ctx, target, as_json);
    return show(ctx, target, format);
}

} // namespace tinyllm::cli
