// tinyllm plugins list | inspect NAME|FILE | validate FILE — like gst-inspect.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/schema_help.hpp"
#include "cli/terminal.hpp"
#include "config/schema.hpp"
#include "plugin/loader.hpp"
#include "runtime/instance_host.hpp"
#include "tinyllm/json.hpp"

#include <iostream>

namespace tinyllm::cli {
namespace {

// A tool component's arguments schema (the loader checked it), or null for other kinds.
const char *tool_parameters(const tllm_component &c) {
    if (std::string_view(c.kind) != TLLM_KIND_TOOL) return nullptr;
    return static_cast<const tllm_tool_v1 *>(c.vtable)->parameters_schema;
}

using json::Value;

std::string opt(const char *s) {
    return s != nullptr ? s : "";
}

Value plugin_to_json(const plugin::LoadedPlugin &p, json::Allocator &a, bool with_schema) {
    const tllm_plugin_descriptor &d = *p.descriptor;
    Value v(rapidjson::kObjectType);
    v.AddMember("id", json::string_value(d.id, a), a);
    v.AddMember("name", json::string_value(d.name, a), a);
    v.AddMember("version", json::string_value(d.version, a), a);
    v.AddMember("description", json::string_value(opt(d.description), a), a);
    v.AddMember("vendor", json::string_value(opt(d.vendor), a), a);
    v.AddMember("license", json::string_value(opt(d.license), a), a);
    v.AddMember(
        "abi",
        json::string_value(std::to_string(d.abi.major) + "." + std::to_string(d.abi.minor), a), a);
    v.AddMember("path", json::string_value(p.path.string(), a), a);
    Value comps(rapidjson::kArrayType);
    for (const tllm_component *c : p.components) {
        Value cv(rapidjson::kObjectType);
        cv.AddMember("kind", json::string_value(c->kind, a), a);
        cv.AddMember("name", json::string_value(c->name, a), a);
        cv.AddMember("description", json::string_value(opt(c->description), a), a);
        cv.AddMember("serialized", Value((c->flags & TLLM_COMPONENT_SERIALIZED) != 0), a);
        if (with_schema) {
            if (c->config_schema != nullptr) {
                const json::Document schema = json::parse(c->config_schema, "config_schema");
                cv.AddMember("config_schema", Value(schema, a), a);
            } else {
                cv.AddMember("config_schema", Value(rapidjson::kNullType), a);
            }
            if (const char *parameters = tool_parameters(*c)) {
                const json::Document schema = json::parse(parameters, "parameters_schema");
                cv.AddMember("parameters_schema", Value(schema, a), a);
            }
        }
        comps.PushBack(cv, a);
    }
    v.AddMember("components", comps, a);
    return v;
}

Value failure_to_json(const plugin::LoadFailure &f, json::Allocator &a) {
    Value v(rapidjson::kObjectType);
    v.AddMember("path", json::string_value(f.path.string(), a), a);
    v.AddMember("error", json::string_value(std::string(plugin::to_string(f.kind)), a), a);
    v.AddMember("message", json::string_value(f.message, a), a);
    return v;
}

int list(Context &ctx, bool as_json) {
    const plugin::Registry &reg = ctx.registry(false);
    if (as_json) {
        json::Document doc(rapidjson::kObjectType);
        auto &a = doc.GetAllocator();
        Value plugins(rapidjson::kArrayType), failures(rapidjson::kArrayType);
        for (const auto &p : reg.plugins())
            plugins.PushBack(plugin_to_json(*p, a, false), a);
        for (const auto &f : reg.failures())
            failures.PushBack(failure_to_json(f, a), a);
        doc.AddMember("plugins", plugins, a);
        doc.AddMember("failures", failures, a);
        std::cout << json::to_pretty_string(doc) << "\n";
        return kExitOk;
    }
    const bool color = color_enabled(stdout);
    if (reg.plugins().empty()) std::cout << "no plugins loaded\n";
    for (const auto &p : reg.plugins()) {
        const tllm_plugin_descriptor &d = *p->descriptor;
        std::cout << paint(d.id, Color::bold, color) << " " << d.version << "  " << d.name
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

// Checks a plugin against the contract: loads it, then creates and destroys each component
// with its default config. One line per check; exit 4 when any fails.
int validate(const std::string &file) {
    const bool color = color_enabled(stdout);
    int failures = 0;
    auto line = [&](bool ok, const std::string &text) {
        std::cout << paint(ok ? "ok  " : "FAIL", ok ? Color::green : Color::red, color) << " "
                  << text << "\n";
        if (!ok) ++failures;
    };
    if (!std::filesystem::exists(file)) {
        throw Error(ErrorCode::not_found, file + ": no such file");
    }
    plugin::Registry reg;
    reg.set_log_failures(false);
    reg.load_file(std::filesystem::absolute(file));
    for (const auto &f : reg.failures()) {
        line(false, plugin::describe(f));
    }
    for (const auto &p : reg.plugins()) {
        line(true, std::string("loads: ") + p->descriptor->id + " " + p->descriptor->version +
                       ", ABI " + std::to_string(p->descriptor->abi.major) + "." +
                       std::to_string(p->descriptor->abi.minor));
        for (const tllm_component *c : p->components) {
            const std::string label = std::string(c->kind) + " " + c->name;
            try {
                json::Document cfg(rapidjson::kObjectType);
                if (c->config_schema != nullptr) {
                    const json::Document schema = json::parse(c->config_schema, "config_schema");
                    config::apply_defaults(cfg, schema, cfg.GetAllocator());
                }
                const std::string cfg_text = json::to_string(cfg);
                runtime::InstanceHost host("validate:" + std::string(c->name), nullptr);
                void *instance = nullptr;
                char err[512] = {};
                const tllm_status st =
                    c->create(host.raw(), cfg_text.c_str(), &instance, err, sizeof err);
                if (st != TLLM_OK || instance == nullptr) {
                    line(false, label + ": create with default config failed: " + err);
                    continue;
                }
                c->destroy(instance);
                line(true, label + ": creates and destroys with its default config");
            } catch (const Error &e) {
                line(false, label + ": " + e.what());
            }
        }
    }
    return failures == 0 ? kExitOk : kExitPlugin;
}

} // namespace

int run_plugins(Context &ctx, const std::vector<std::string> &args) {
    po::options_description desc("Options");
    bool as_json = false;
    desc.add_options()("help,h", "show this help")("json", po::bool_switch(&as_json),
                                                   "print data as JSON");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {"action", "target"}, ctx.options());
    const std::string usage = "plugins list|inspect NAME|validate FILE [--json]";
    if (vm.count("help")) {
        print_help(usage,
                   "list: every plugin found and why others were not loaded.\n"
                   "inspect: one plugin's metadata, components and config schema\n"
                   "  (NAME is a plugin id, a file name, a component name or a path to a .so).\n"
                   "validate: load FILE and check it against the plugin contract.",
                   desc);
        return kExitOk;
    }
    const std::string action = positional(vm, "action", "list");
    const std::string target = positional(vm, "target");
    if (action == "list") return list(ctx, as_json);
    if (target.empty()) throw Error(ErrorCode::usage, "plugins " + action + " needs a NAME");
    if (action == "inspect") return inspect(ctx, target, as_json);
    if (action == "validate") return validate(target);
    throw Error(ErrorCode::usage, "unknown plugins action \"" + action + "\" (see --help)");
}

} // namespace tinyllm::cli
