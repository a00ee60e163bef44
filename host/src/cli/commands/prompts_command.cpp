// tinyllm prompts list | show ID | render ID --var k=v — the prompt files the host loaded (the
// config dir's prompts/, then the installed ones), each as the model would receive it.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "prompts/prompt_render.hpp"
#include "tinyllm/json.hpp"

#include <iostream>

namespace tinyllm::cli {
namespace {

using json::Value;

int list(Context &ctx, bool as_json) {
    const prompts::Library &library = ctx.prompts();
    if (as_json) {
        json::Document doc(rapidjson::kArrayType);
        for (const prompts::Prompt &p : library.prompts()) {
            json::Document one = json::parse(prompts::to_json(p), "prompt");
            Value row;
            row.CopyFrom(one, doc.GetAllocator());
            doc.PushBack(row, doc.GetAllocator());
        }
        std::cout << json::to_pretty_string(doc) << "\n";
        return kExitOk;
    }
    if (library.prompts().empty()) {
        std::string dirs;
        for (const auto &d : library.dirs())
            dirs += (dirs.empty() ? "" : ", ") + d.string();
        std::cout << "no prompts (looked in " << dirs << ")\n";
        return kExitOk;
    }
    const auto role_of = [](const prompts::Prompt &p) {
        return p.role.empty() ? std::string("-") : "role " + p.role;
    };
    size_t id_width = 2, version_width = 1, role_width = 1;
    for (const prompts::Prompt &p : library.prompts()) {
        id_width = std::max(id_width, p.id.size());
        version_width = std::max(version_width, p.version.size());
        role_width = std::max(role_width, role_of(p).size());
    }
    const auto pad = [](const std::string &text, size_t width) {
        return text + std::string(width - text.size() + 2, ' ');
    };
    for (const prompts::Prompt &p : library.prompts()) {
        std::string line = pad(p.id, id_width) + pad(p.version, version_width) +
                           (p.description.empty() ? role_of(p) : pad(role_of(p), role_width));
        line += p.description;
        std::cout << line << "\n";
    }
    return kExitOk;
}

void print_block(const std::string &title, const std::string &text) {
    std::cout << title << ":\n";
    std::string line;
    for (const char c : text) {
        line += c;
        if (c == '\n') {
            std::cout << "  " << line;
            line.clear();
        }
    }
    if (!line.empty()) std::cout << "  " << line << "\n";
}

int show(Context &ctx, const std::string &id, bool as_json) {
    const prompts::Prompt &p = ctx.prompts().get(id);
    if (as_json) {
        std::cout << json::to_pretty_string(json::parse(prompts::to_json(p), "prompt")) << "\n";
        return kExitOk;
    }
    std::cout << p.id << " " << p.version << " (" << p.path.string() << ")\n";
    if (!p.description.empty()) std::cout << p.description << "\n";
    if (!p.role.empty() || !p.min_size.empty()) {
        std::cout << "model: " << (p.role.empty() ? "" : "role " + p.role)
                  << (p.min_size.empty() ? "" : " at least " + p.min_size) << "\n";
    }
    std::cout << "variables:\n";
    for (const prompts::Variable &v : p.variables) {
        std::cout << "  " << v.name << (v.required ? "" : " (optional)")
                  << (v.description.empty() ? "" : ": " + v.description) << "\n";
    }
    if (p.format_json) std::cout << "format: " << *p.format_json << "\n";
    if (!p.system.empty()) print_block("system", p.system);
    print_block("template", p.template_text);
    for (size_t i = 0; i < p.examples.size(); ++i) {
        print_block("example " + std::to_string(i + 1) + " input", p.examples[i].input);
        print_block("example " + std::to_string(i + 1) + " output", p.examples[i].output);
    }
    return kExitOk;
}

// --var k=v pairs as the JSON object render() takes.
json::Document values_of(const std::vector<std::string> &vars) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    for (const std::string &kv : vars) {
        const size_t eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw Error(ErrorCode::usage, "--var takes NAME=VALUE, not \"" + kv + "\"");
        }
        const std::string name = kv.substr(0, eq);
        if (json::find(doc, name) != nullptr) {
            throw Error(ErrorCode::usage, "--var " + name + " is given twice");
        }
        doc.AddMember(json::string_value(name, a), json::string_value(kv.substr(eq + 1), a), a);
    }
    return doc;
}

int render(Context &ctx, const std::string &id, const std::vector<std::string> &vars,
           bool as_json) {
    const prompts::Prompt &p = ctx.prompts().get(id);
    const prompts::Rendered r = prompts::render(p, values_of(vars));
    // The conversation a model node sends: system, the examples, the request.
    std::vector<std::pair<std::string, std::string>> messages;
    if (!p.system.empty()) messages.emplace_back("system", r.system);
    for (const prompts::Example &e : p.examples) {
        messages.emplace_back("user", e.input);
        messages.emplace_back("assistant", e.output);
    }
    messages.emplace_back("user", r.user);
    if (as_json) {
        json::Document doc(rapidjson::kObjectType);
        auto &a = doc.GetAllocator();
        doc.AddMember("id", json::string_value(p.id, a), a);
        doc.AddMember("version", json::string_value(p.version, a), a);
        Value list(rapidjson::kArrayType);
        for (const auto &[role, content] : messages) {
            Value m(rapidjson::kObjectType);
            m.AddMember("role", json::string_value(role, a), a);
            m.AddMember("content", json::string_value(content, a), a);
            list.PushBack(m, a);
        }
        doc.AddMember("messages", list, a);
        if (p.format_json) {
            Value format;
            format.CopyFrom(json::parse(*p.format_json, "format"), a);
            doc.AddMember("format", format, a);
        }
        std::cout << json::to_pretty_string(doc) << "\n";
        return kExitOk;
    }
    for (const auto &[role, content] : messages)
        print_block(role, content);
    if (p.format_json) std::cout << "format: " << *p.format_json << "\n";
    return kExitOk;
}

} // namespace

int run_prompts(Context &ctx, const std::vector<std::string> &args) {
    po::options_description desc("Options");
    bool as_json = false;
    std::vector<std::string> vars;
    desc.add_options()("help,h", "show this help")("json", po::bool_switch(&as_json),
                                                   "print data as JSON")(
        "var", po::value(&vars)->value_name("NAME=VALUE"),
        "render: a variable's value (repeat for each variable)");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {"action", "id"}, ctx.options());
    if (vm.count("help")) {
        print_help("prompts list | show ID | render ID [--var NAME=VALUE]... [--json]",
                   "The prompt files (prompts/<id>.yaml in the config dir, then the installed\n"
                   "ones; docs/graphs.md#prompts). list: every prompt. show: one prompt's\n"
                   "variables, system prompt, template, examples and format. render: the\n"
                   "messages a model would receive with these variable values.",
                   desc);
        return kExitOk;
    }
    const std::string action = positional(vm, "action", "list");
    const std::string id = positional(vm, "id");
    if (action == "list") return list(ctx, as_json);
    if (action == "show" || action == "render") {
        if (id.empty()) throw Error(ErrorCode::usage, "prompts " + action + " needs a prompt ID");
        return action == "show" ? show(ctx, id, as_json) : render(ctx, id, vars, as_json);
    }
    throw Error(ErrorCode::usage, "unknown prompts action \"" + action + "\" (see --help)");
}

} // namespace tinyllm::cli
