// tinyllm config check | schema [system|models|tools|judges|expansion|alerts] — where the config
// is, what every key means, and whether it is valid.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/schema_help.hpp"
#include "cli/terminal.hpp"
#include "tinyllm/json.hpp"

#include <iostream>

namespace tinyllm::cli {
namespace {

int schema(const std::string &which, bool as_json) {
    std::vector<std::pair<std::string, std::string_view>> files;
    if (which.empty() || which == "system")
        files.emplace_back("system.yaml", config::system_schema_text());
    if (which.empty() || which == "models")
        files.emplace_back("models.yaml", config::models_schema_text());
    if (which.empty() || which == "tools")
        files.emplace_back("tools.yaml", config::tools_schema_text());
    if (which.empty() || which == "judges")
        files.emplace_back("judges.yaml", config::judges_schema_text());
    if (which.empty() || which == "expansion")
        files.emplace_back("expansion.yaml", config::expansion_schema_text());
    if (which.empty() || which == "alerts")
        files.emplace_back("alerts.yaml", config::alerts_schema_text());
    if (files.empty()) {
        throw Error(ErrorCode::usage, "config schema takes system, models, tools, judges, "
                                      "expansion or alerts, not \"" +
                                          which + "\"");
    }
    for (const auto &[name, text] : files) {
        const json::Document doc = json::parse(text, name, ErrorCode::internal);
        if (as_json) {
            std::cout << json::to_pretty_string(doc) << "\n";
            continue;
        }
        std::cout << name << "\n";
        for (const auto &line : describe_schema(doc))
            std::cout << "  " << line << "\n";
        std::cout << "\n";
    }
    return kExitOk;
}

// What a run would meet while loading, offline: the config files, the prompt files, the
// plugins' schemas and checks of every backend, tool and judge, and every graph in graphs/
// loaded as a run loads it (Context::check_graph). Throws the first problem, file:line:col.
int check(Context &ctx, bool as_json) {
    const config::Config &c = ctx.config();
    const prompts::Library &prompt_files = ctx.prompts();
    ctx.runtime(Context::RuntimeUse::check);
    std::vector<std::string> warnings;
    for (const auto &file : c.graph_files) {
        const std::unique_ptr<graph::Graph> built = ctx.check_graph(file);
        warnings.insert(warnings.end(), built->warnings.begin(), built->warnings.end());
    }
    if (as_json) {
        json::Document doc(rapidjson::kObjectType);
        auto &a = doc.GetAllocator();
        doc.AddMember("dir", json::string_value(c.dir.string(), a), a);
        doc.AddMember("source", json::string_value(config::to_string(c.source), a), a);
        doc.AddMember("data_dir", json::string_value(c.system.data_dir.string(), a), a);
        doc.AddMember("backends", json::Value(static_cast<uint64_t>(c.models.backends.size())), a);
        doc.AddMember("models", json::Value(static_cast<uint64_t>(c.models.models.size())), a);
        doc.AddMember("default_model", json::string_value(c.models.default_model, a), a);
        doc.AddMember("tools_file", json::string_value(c.tools.source.string(), a), a);
        doc.AddMember("configured_tools", json::Value(static_cast<uint64_t>(c.tools.tools.size())),
                      a);
        doc.AddMember("judges_file", json::string_value(c.judges.source.string(), a), a);
        doc.AddMember("configured_judges",
                      json::Value(static_cast<uint64_t>(c.judges.judges.size())), a);
        doc.AddMember("default_judge", json::string_value(c.judges.default_judge, a), a);
        doc.AddMember("alerts_file", json::string_value(c.alerts.source.string(), a), a);
        doc.AddMember("alert_rules", json::Value(static_cast<uint64_t>(c.alerts.rules.size())), a);
        json::Value graphs(rapidjson::kArrayType);
        for (const auto &g : c.graph_files)
            graphs.PushBack(json::string_value(g.string(), a), a);
        doc.AddMember("graph_files", graphs, a);
        json::Value warning_list(rapidjson::kArrayType);
        for (const std::string &w : warnings)
            warning_list.PushBack(json::string_value(w, a), a);
        doc.AddMember("warnings", warning_list, a);
        doc.AddMember("prompts", json::Value(static_cast<uint64_t>(prompt_files.prompts().size())),
                      a);
        std::cout << json::to_pretty_string(doc) << "\n";
    } else {
        const bool color = color_enabled(stderr);
        for (const std::string &w : warnings) {
            std::cerr << "tinyllm: " << paint("warning", Color::yellow, color) << ": " << w << "\n";
        }
        std::cout << "config " << c.dir.string() << " (from " << config::to_string(c.source)
                  << ") is valid: " << c.models.backends.size() << " backend(s), "
                  << c.models.models.size() << " model(s), default " << c.models.default_model
                  << ", " << prompt_files.prompts().size() << " prompt(s), " << c.graph_files.size()
                  << " graph(s), " << c.alerts.rules.size() << " alert rule(s)\n";
    }
    return kExitOk;
}

} // namespace

int run_config(Context &ctx, const std::vector<std::string> &args) {
    po::options_description desc("Options");
    bool as_json = false;
    desc.add_options()("help,h", "show this help")("json", po::bool_switch(&as_json),
                                                   "print data as JSON");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {"action", "file"}, ctx.options());
    if (vm.count("help")) {
        print_help("config check|schema [system|models|tools|judges|expansion|alerts] [--json]",
                   "check: load the config and report the first problem (file:line:column).\n"
                   "schema: every key of system.yaml / models.yaml / tools.yaml / judges.yaml /\n"
                   "expansion.yaml / alerts.yaml, its type, default and meaning.",
                   desc);
        return kExitOk;
    }
    const std::string action = positional(vm, "action", "check");
    if (action == "check") return check(ctx, as_json);
    if (action == "schema") return schema(positional(vm, "file"), as_json);
    throw Error(ErrorCode::usage, "unknown config action \"" + action + "\" (see --help)");
}

} // namespace tinyllm::cli
