// tinyllm plugins list | inspect NAME|FILE | validate FILE — like gst-inspect — and
// plugins new KIND NAME [DIR], which starts a plugin project from the installed templates.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_json.hpp"
#include "cli/scaffold.hpp"
#include "cli/schema_help.hpp"
#include "cli/terminal.hpp"
#include "config/schema.hpp"
#include "plugin/discovery.hpp"
#include "plugin/loader.hpp"
#include "plugin/scanner.hpp"
#include "process/child_process.hpp"
#include "runtime/instance_host.hpp"
#include "tinyllm/json.hpp"
#include "validate/conformance.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <sstream>

#include <iostream>

namespace tinyllm::cli {
namespace {

using json::Value;

std::string opt(const char *s) {
    return s != nullptr ? s : "";
}

int list(Context &ctx, bool as_json) {
    const plugin::Registry &reg = ctx.registry(false);
    if (as_json) {
        std::cout << json::to_pretty_string(registry_json(reg)) << "\n";
        return kExitOk;
    }
    const bool color = color_enabled(stdout);
    if (reg.plugins().empty()) std::cout << "no plugins loaded\n";
    for (const auto &p : reg.plugins()) {
        const tllm_plugin_descriptor &d = *p->descriptor;
        std::cout << paint(d.id, Color::bold, color) << " " << d.version << "  " << d.name
                  << (p->isolated ? "  (own process)" : "")
                  << paint("  " + p->path.string(), Color::dim, color) << "\n";
        for (const tllm_component *c : p->components) {
            std::printf("  %-18s %-12s %s\n", c->kind, c->name, opt(c->description).c_str());
        }
    }
    if (!reg.failures().empty() || !reg.path_problems().empty()) {
        std::cout << "\n" << paint("not loaded:", Color::red, color) << "\n";
        for (const auto &f : reg.failures()) {
            std::cout << "  " << f.path.string() << ": " << plugin::describe(f) << "\n";
        }
        for (const auto &pp : reg.path_problems())
            std::cout << "  " << pp << "\n";
    }
    return kExitOk;
}

void print_plugin(const plugin::LoadedPlugin &p) {
    const bool color = color_enabled(stdout);
    const tllm_plugin_descriptor &d = *p.descriptor;
    std::cout << paint("Plugin " + std::string(d.id), Color::bold, color) << "\n";
    std::printf("  %-12s %s\n  %-12s %s\n  %-12s %s\n  %-12s %s\n  %-12s %s\n", "Name", d.name,
                "Version", d.version, "Description", opt(d.description).c_str(), "Vendor",
                opt(d.vendor).c_str(), "License", opt(d.license).c_str());
    std::printf("  %-12s %u.%u\n  %-12s %s\n\n", "ABI", d.abi.major, d.abi.minor, "File",
                p.path.string().c_str());
    for (const tllm_component *c : p.components) {
        std::cout << paint("Component " + std::string(c->name), Color::bold, color) << "\n";
        std::printf("  %-12s %s\n  %-12s %s\n  %-12s %s\n", "Kind", c->kind, "Description",
                    opt(c->description).c_str(), "Concurrency",
                    (c->flags & TLLM_COMPONENT_SERIALIZED) ? "serialized" : "concurrent");
        if (const char *parameters = tool_parameters(*c)) {
            std::cout << "  Arguments (what a model passes):\n";
            for (const auto &line : describe_schema(json::parse(parameters, "parameters_schema"))) {
                std::cout << "    " << line << "\n";
            }
        }
        if (c->config_schema == nullptr) {
            std::cout << "  Config       none\n\n";
            continue;
        }
        std::cout << "  Config:\n";
        const json::Document schema = json::parse(c->config_schema, "config_schema");
        for (const auto &line : describe_schema(schema)) {
            std::cout << "    " << line << "\n";
        }
        std::cout << "\n";
    }
}

// `inspect` takes a plugin id, a file name, a component name, or a path to a .so (which is
// loaded on its own, so a broken plugin can be examined and its failure shown).
int inspect(Context &ctx, const std::string &key, bool as_json) {
    plugin::Registry single;
    const plugin::Registry *reg = nullptr;
    const plugin::LoadedPlugin *found = nullptr;
    if (std::filesystem::is_regular_file(key)) {
        single.set_log_failures(false);
        single.load_file(std::filesystem::absolute(key));
        if (!single.failures().empty() && single.plugins().empty()) {
            const auto &f = single.failures().front();
            throw Error(ErrorCode::plugin, f.path.string() + ": " + plugin::describe(f));
        }
        reg = &single;
        found = single.plugins().front().get();
    } else {
        reg = &ctx.registry(false);
        found = reg->find_plugin(key);
        if (found == nullptr) {
            for (const auto &p : reg->plugins()) {
                for (const tllm_component *c : p->components) {
                    if (key == c->name) found = p.get();
                }
            }
        }
        if (found == nullptr) {
            throw Error(ErrorCode::not_found,
                        "no plugin or component named \"" + key + "\" (see tinyllm plugins list)");
        }
    }
    if (as_json) {
        json::Document doc;
        doc.CopyFrom(plugin_to_json(*found, doc.GetAllocator(), true), doc.GetAllocator());
        std::cout << json::to_pretty_string(doc) << "\n";
    } else {
        print_plugin(*found);
    }
    return kExitOk;
}

// The conformance suite (validate/conformance.hpp), run in tinyllm-plugin-host so that a plugin
// that crashes or hangs fails the check it was in. One line per check; exit 4 when any fails.
int validate(const std::string &file, bool as_json, int64_t check_timeout_ms) {
    if (!std::filesystem::exists(file)) {
        throw Error(ErrorCode::not_found, file + ": no such file");
    }
    const std::filesystem::path helper = plugin::default_plugin_host();
    if (!std::filesystem::exists(helper)) {
        throw Error(ErrorCode::plugin, "cannot validate: the plugin host " + helper.string() +
                                           " is missing (reinstall tinyllm)");
    }
    process::ChildOptions co;
    co.argv = {helper.string(), "validate", std::filesystem::absolute(file).string()};
    co.timeout = std::chrono::minutes(10);
    co.idle_timeout = std::chrono::milliseconds(check_timeout_ms);
    co.max_output = 4 * 1024 * 1024;
    const process::ChildResult child = process::run_child(co);

    std::vector<validate::CheckResult> results;
    std::string in_progress; // the check that started and did not report
    std::istringstream lines(child.out);
    for (std::string text; std::getline(lines, text);) {
        try {
            const json::Document doc = json::parse_object(text, "the validator's report");
            if (auto started = json::get_string(doc, "start")) {
                in_progress = *started;
                continue;
            }
            results.push_back({json::get_string(doc, "check").value_or("?"),
                               json::get_bool(doc, "ok").value_or(false),
                               json::get_string(doc, "detail").value_or("")});
            in_progress.clear();
        } catch (const Error &e) {
            results.push_back({"report", false, e.what()});
        }
    }
    const std::string during = in_progress.empty() ? "the validator" : in_progress;
    if (child.timed_out) {
        results.push_back(
            {during, false,
             "hung: no progress within " + std::to_string(check_timeout_ms) + " ms (--timeout)"});
    } else if (child.signal != 0) {
        results.push_back(
            {during, false,
             "the plugin crashed the validator (" + process::signal_name(child.signal) + ")"});
    } else if (child.exit_code != 0) {
        results.push_back(
            {during, false, "the validator exited with status " + std::to_string(child.exit_code)});
    } else if (!child.err.empty()) {
        results.push_back({"quiet", false,
                           "the plugin wrote to stdout or stderr (use tllm_host.log): " +
                               child.err.substr(0, child.err.find('\n'))});
    } else {
        results.push_back({"quiet", true, "nothing written to stdout or stderr"});
    }

    const bool all_ok = std::all_of(results.begin(), results.end(),
                                    [](const validate::CheckResult &r) { return r.ok; });
    if (as_json) {
        json::Document doc(rapidjson::kObjectType);
        auto &a = doc.GetAllocator();
        json::Value checks(rapidjson::kArrayType);
        for (const auto &r : results) {
            json::Value c(rapidjson::kObjectType);
            c.AddMember("check", json::string_value(r.check, a), a);
            c.AddMember("ok", r.ok, a);
            c.AddMember("detail", json::string_value(r.detail, a), a);
            checks.PushBack(c, a);
        }
        doc.AddMember("file", json::string_value(file, a), a);
        doc.AddMember("ok", all_ok, a);
        doc.AddMember("checks", checks, a);
        std::cout << json::to_pretty_string(doc) << "\n";
    } else {
        const bool color = color_enabled(stdout);
        for (const auto &r : results) {
            std::cout << paint(r.ok ? "ok  " : "FAIL", r.ok ? Color::green : Color::red, color)
                      << " " << r.check << ": " << r.detail << "\n";
        }
    }
    return all_ok ? kExitOk : kExitPlugin;
}

// A path as a shell word: quoted only when it needs to be.
std::string shell_word(const std::string &s) {
    const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("/._-+=:,@%", c);
    });
    if (plain) return s;
    std::string out = "'";
    for (const char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// `new`: the project from the templates, then what to run next.
int create(const std::vector<std::string> &words, const std::string &lang) {
    if (words.size() < 2) throw Error(ErrorCode::usage, "plugins new needs KIND NAME [DIR]");
    if (words.size() > 3) {
        throw Error(ErrorCode::usage,
                    "plugins new takes KIND NAME [DIR], not \"" + words[3] + "\" too (see --help)");
    }
    ScaffoldRequest request;
    request.kind = words[0];
    request.name = words[1];
    request.dir = words.size() > 2 ? words[2] : "./tinyllm-plugin-" + words[1];
    request.lang = lang;
    request.templates = default_template_dir();
    const ScaffoldResult result = scaffold(request);

    const std::string dir = shell_word(request.dir.string());
    std::cout << "Created " << request.dir.string() << ": a tinyllm." << request.kind
              << "/1 plugin in " << (lang == "c" ? "C" : "C++") << " providing the component \""
              << request.name << "\"\n";
    for (const auto &file : result.files)
        std::cout << "  " << file.string() << "\n";
    // The SDK a project finds is the one beside this host: its prefix (the build tree mirrors
    // an install, and holds a package config of its own).
    const std::filesystem::path prefix = plugin::install_prefix();
    std::cout << "\nNext:\n  cmake -S " << dir << " -B " << dir << "/build";
    if (!prefix.empty()) std::cout << " -DCMAKE_PREFIX_PATH=" << shell_word(prefix.string());
    std::cout << "\n  cmake --build " << dir << "/build\n"
              << "  ctest --test-dir " << dir << "/build --output-on-failure"
              << "   # tinyllm plugins validate\n"
              << "See " << dir << "/README.md for installing and using it.\n";
    return kExitOk;
}

} // namespace

int run_plugins(Context &ctx, const std::vector<std::string> &args) {
    po::options_description desc("Options");
    bool as_json = false;
    int64_t timeout_ms = 15000;
    std::string lang = "cpp";
    desc.add_options()("help,h", "show this help")("json", po::bool_switch(&as_json),
                                                   "print data as JSON")(
        "timeout", po::value(&timeout_ms)->value_name("MS"),
        "validate: how long one check may take before the plugin counts as hung (default "
        "15000)")("lang", po::value(&lang)->value_name("c|cpp"),
                  "new: the language of the project (default cpp)");
    add_common_options(desc, ctx.options());
    const auto vm =
        parse_with_positionals(args, desc, {"action", "target", "more..."}, ctx.options());
    const std::string usage = "plugins list|inspect NAME|validate FILE [--json]\n"
                              "       tinyllm plugins new KIND NAME [DIR] [--lang c|cpp]";
    if (vm.count("help")) {
        print_help(usage,
                   "list: every plugin found and why others were not loaded.\n"
                   "inspect: one plugin's metadata, components and config schema\n"
                   "  (NAME is a plugin id, a file name, a component name or a path to a .so).\n"
                   "validate: run the conformance suite on FILE in a child process: load,\n"
                   "  metadata, config schema, each component created, called with sample\n"
                   "  input, concurrently and cancelled, its answers checked; exit 4 on any\n"
                   "  failure (a crash or a hang fails the check it happened in).\n"
                   "new: create DIR (default ./tinyllm-plugin-NAME; it must not exist), a CMake\n"
                   "  project for a plugin with one component NAME ([a-z0-9_-]+) of KIND\n"
                   "  (backend, node, tool, judge or mutation), in C++ or C, from the templates\n"
                   "  installed in share/tinyllm/templates. It finds this SDK with\n"
                   "  find_package(TinyLLM), builds tinyllm-NAME.so and runs `tinyllm plugins\n"
                   "  validate` on it as its test.\n"
                   "  Prints the commands to build and test it.",
                   desc);
        return kExitOk;
    }
    const std::string action = positional(vm, "action", "list");
    const std::string target = positional(vm, "target");
    std::vector<std::string> more = positional_rest(vm, "more");
    if (action == "new") {
        more.insert(more.begin(), target);
        if (target.empty() && !vm.count("target")) more.clear();
        return create(more, lang);
    }
    if (!more.empty()) {
        throw Error(ErrorCode::usage,
                    "plugins " + action + ": unexpected argument \"" + more.front() + "\"");
    }
    if (action == "list") return list(ctx, as_json);
    if (target.empty()) throw Error(ErrorCode::usage, "plugins " + action + " needs a NAME");
    if (action == "inspect") return inspect(ctx, target, as_json);
    if (action == "validate") {
        if (timeout_ms <= 0) throw Error(ErrorCode::usage, "--timeout must be positive");
        return validate(target, as_json, timeout_ms);
    }
    throw Error(ErrorCode::usage, "unknown plugins action \"" + action + "\" (see --help)");
}

} // namespace tinyllm::cli
