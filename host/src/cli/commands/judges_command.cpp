// tinyllm judges [list] [--json] — the judges grade, gates and evaluations can use.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "tinyllm/json.hpp"

#include <iostream>

namespace tinyllm::cli {
namespace {

int list(Context &ctx, bool as_json) {
    runtime::Runtime &rt = ctx.runtime();
    const std::string &default_judge = rt.default_judge();
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    json::Value rows(rapidjson::kArrayType);
    for (const auto &entry : rt.judges().entries()) {
        json::Value row(rapidjson::kObjectType);
        row.AddMember("name", json::string_value(entry.name, a), a);
        row.AddMember("type",
                      json::string_value(entry.ref.component != nullptr ? entry.ref.component->name
                                                                        : entry.config->type,
                                         a),
                      a);
        row.AddMember("description",
                      json::string_value(runtime::JudgeSet::description_of(entry), a), a);
        row.AddMember("default", entry.name == default_judge, a);
        row.AddMember("configured", entry.config != nullptr, a);
        if (entry.problem)
            row.AddMember("problem", json::string_value(entry.problem->what(), a), a);
        rows.PushBack(row, a);
    }
    doc.AddMember("default_judge", json::string_value(default_judge, a), a);
    doc.AddMember("judges", rows, a);
    if (as_json) {
        std::cout << json::to_pretty_string(doc) << "\n";
        return kExitOk;
    }
    if (doc["judges"].Empty()) {
        std::cout << "no judges: no loaded plugin provides one (tinyllm plugins list)\n";
        return kExitOk;
    }
    for (const auto &row : doc["judges"].GetArray()) {
        const std::string name = row["name"].GetString();
        const std::string type = row["type"].GetString();
        std::cout << name << (row["default"].GetBool() ? " (default)" : "");
        if (type != name) std::cout << "  [" << type << "]";
        std::cout << "\n  " << row["description"].GetString() << "\n";
        if (row.HasMember("problem"))
            std::cout << "  unusable: " << row["problem"].GetString() << "\n";
    }
    if (rt.judges().find(default_judge) == nullptr) {
        std::cout << "\ndefault_judge \"" << default_judge
                  << "\" is not among them: grading without --judge fails\n";
    }
    return kExitOk;
}

} // namespace

int run_judges(Context &ctx, const std::vector<std::string> &args) {
    po::options_description desc("Options");
    bool as_json = false;
    desc.add_options()("help,h", "show this help")("json", po::bool_switch(&as_json),
                                                   "print the list as JSON");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {"action"}, ctx.options());
    if (vm.count("help")) {
        print_help("judges [list] [--json]",
                   "The judges `tinyllm grade --judge NAME`, gates' judge rules and evaluations "
                   "can use: those\njudges.yaml configures and every judge a loaded plugin "
                   "provides, under its own name.",
                   desc);
        return kExitOk;
    }
    const std::string action = positional(vm, "action", "list");
    if (action != "list") {
        throw Error(ErrorCode::usage, "unknown judges action \"" + action + "\" (see --help)");
    }
    return list(ctx, as_json);
}

} // namespace tinyllm::cli
