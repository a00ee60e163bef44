// tinyllm tool list | tinyllm tool NAME INPUT
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/input.hpp"
#include "cli/run_guard.hpp"
#include "cli/terminal.hpp"
#include "tinyllm/json.hpp"

#include <iostream>
#include <set>
#include <sstream>

namespace tinyllm::cli {
namespace {

using json::Value;

// The one required string argument a bare INPUT fills, or "" when the tool has none.
std::string bare_argument(const json::Value &parameters) {
    const Value *required = json::find(parameters, "required");
    const Value *properties = json::find(parameters, "properties");
    if (required == nullptr || !required->IsArray() || required->Size() != 1 ||
        !(*required)[0].IsString() || properties == nullptr || !properties->IsObject()) {
        return {};
    }
    const std::string name = (*required)[0].GetString();
    const Value *property = json::find(*properties, name);
    if (property == nullptr || json::get_string(*property, "type") != "string") return {};
    return name;
}

// "expression (string, required): the expression to evaluate"
std::string describe_property(const std::string &name, const Value &property, bool required) {
    std::string line = name + " (" + json::get_string(property, "type").value_or("any");
    if (const Value *values = json::find(property, "enum"); values && values->IsArray()) {
        std::string list;
        for (const auto &v : values->GetArray())
            list += (list.empty() ? "" : "|") + (v.IsString() ? v.GetString() : json::to_string(v));
        line += ": " + list;
    }
    if (required) line += ", required";
    if (const Value *d = json::find(property, "default"))
        line += ", default " + json::to_string(*d);
    line += ")";
    if (auto description = json::get_string(property, "description")) {
        line += ": " + *description;
    }
    return line;
}

int list(Context &ctx, bool as_json) {
    runtime::ToolSet &tools = ctx.runtime().tools();
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    Value rows(rapidjson::kArrayType);
    for (const auto &entry : tools.entries()) {
        Value row(rapidjson::kObjectType);
        row.AddMember("name", json::string_value(entry.name, a), a);
        if (entry.ref.component != nullptr) {
            const auto *table = static_cast<const tllm_tool_v1 *>(entry.ref.component->vtable);
            row.AddMember("type", json::string_value(entry.ref.component->name, a), a);
            row.AddMember("plugin", json::string_value(entry.ref.plugin->path.string(), a), a);
            row.AddMember("description",
                          json::string_value(runtime::ToolSet::description_of(entry), a), a);
            json::Document parameters =
                json::parse_object(table->parameters_schema, "parameters_schema");
            row.AddMember("parameters", Value(parameters, a), a);
        }
        if (entry.problem) row.AddMember("error", json::string_value(entry.problem->what(), a), a);
        rows.PushBack(row, a);
    }
    doc.AddMember("tools", rows, a);
    if (as_json) {
        std::cout << json::to_pretty_string(doc) << "\n";
        return kExitOk;
    }
    const bool color = color_enabled(stdout);
    if (doc["tools"].Empty()) std::cout << "no tools (no loaded plugin provides one)\n";
    for (const auto &row : doc["tools"].GetArray()) {
        std::cout << paint(row["name"].GetString(), Color::bold, color);
        if (const Value *error = json::find(row, "error")) {
            std::cout << "  " << paint(error->GetString(), Color::red, color) << "\n\n";
            continue;
        }
        std::cout << "  " << row["description"].GetString() << "\n";
        const Value &parameters = row["parameters"];
        std::set<std::string> required;
        if (const Value *r = json::find(parameters, "required"); r && r->IsArray()) {
            for (const auto &name : r->GetArray())
                if (name.IsString()) required.insert(name.GetString());
        }
        if (const Value *props = json::find(parameters, "properties"); props && props->IsObject()) {
            for (const auto &p : props->GetObject()) {
                const std::string name = p.name.GetString();
                std::cout << "    " << describe_property(name, p.value, required.count(name) > 0)
                          << "\n";
            }
        }
        std::cout << "\n";
    }
    return kExitOk;
}

std::string read_input(const std::string &input, size_t max_bytes) {
    if (input == "-") return read_stdin(max_bytes, "the input");
    check_input_size(input, max_bytes, "the input");
    return input;
}

// INPUT is the arguments object when it is JSON ('{...}'), else the value of the tool's one
// required string argument.
std::string arguments_for(runtime::Tool &tool, const std::string &input) {
    const size_t first = input.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && input[first] == '{') {
        const json::Document args = json::parse_object(input, "INPUT", ErrorCode::usage);
        return json::to_string(args);
    }
    const json::Document parameters = json::parse_object(tool.parameters(), "parameters");
    const std::string name = bare_argument(parameters);
    if (name.empty()) {
        throw Error(ErrorCode::usage,
                    "tool " + tool.name() +
                        " takes several arguments: pass them as a JSON object, e.g. tinyllm tool " +
                        tool.name() + " '{...}' (see tinyllm tool list)");
    }
    json::Document args(rapidjson::kObjectType);
    args.AddMember(json::string_value(name, args.GetAllocator()),
                   json::string_value(input, args.GetAllocator()), args.GetAllocator());
    return json::to_string(args);
}

int invoke(Context &ctx, const std::string &name, const std::string &input, bool as_json) {
    runtime::Runtime &rt = ctx.runtime();
    {
        const SetupWatchdog watchdog(ctx.setup_budget());
        rt.tools().prepare(name);
    }
    runtime::Tool &tool = rt.tools().get(name);
    const std::string arguments =
        arguments_for(tool, read_input(input, ctx.config().system.limits.max_input_bytes));
    const int64_t budget = rt.config().system.limits.request_timeout_ms;
    std::optional<runtime::Clock::time_point> deadline;
    if (budget > 0) deadline = runtime::Clock::now() + std::chrono::milliseconds(budget);
    runtime::CallContext call(ctx.cancel_token(), deadline, nullptr);
    const json::Document result = json::parse_object(rt.call_tool(call, name, arguments), "result");
    const bool is_error = json::get_bool(result, "is_error").value_or(false);
    if (as_json) {
        std::cout << json::to_pretty_string(result) << "\n";
    } else {
        const std::string content = json::get_string(result, "content").value_or("");
        std::cout << content;
        if (!content.empty() && content.back() != '\n') std::cout << "\n";
    }
    std::cout.flush();
    // The tool ran and reported a failed outcome (a program exiting non-zero): say so in the
    // exit code, like the program itself would.
    return is_error ? kExitFailure : kExitOk;
}

} // namespace

int run_tool(Context &ctx, const std::vector<std::string> &args) {
    po::options_description desc("Options");
    bool as_json = false;
    desc.add_options()("help,h", "show this help")(
        "json", po::bool_switch(&as_json), "print the whole result document (or the list) as JSON");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {"name", "input..."}, ctx.options());
    if (vm.count("help")) {
        print_help("tool list [--json] | tool NAME INPUT [--json]",
                   "list: the tools models and this command can call, with their arguments.\n"
                   "NAME INPUT: call a tool. INPUT is a JSON object of arguments, or - to read "
                   "it from stdin,\nor plain text for a tool with one required text argument: "
                   "tinyllm tool calculator \"2 + 2\".\nPrints the result's content; exits 1 "
                   "when the tool reports a failed outcome.",
                   desc);
        return kExitOk;
    }
    const std::string name = positional(vm, "name", "list");
    std::string input;
    for (const auto &part : positional_rest(vm, "input"))
        input += (input.empty() ? "" : " ") + part;
    if (name == "list") {
        if (!input.empty()) throw Error(ErrorCode::usage, "tool list takes no arguments");
        return list(ctx, as_json);
    }
    if (!vm.count("input")) {
        throw Error(ErrorCode::usage, "tool " + name + " needs an INPUT (see tinyllm tool --help)");
    }
    return invoke(ctx, name, input, as_json);
}

} // namespace tinyllm::cli
