// tinyllm doctor — one line per check, each failure with a fix hint; exit 1 when any fails.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/model_names.hpp"
#include "cli/run_guard.hpp"
#include "cli/terminal.hpp"
#include "tinyllm/json.hpp"

#include <iostream>

namespace tinyllm::cli {
namespace {

enum class Outcome { ok, warn, fail, skip };

struct Check {
    std::string area; // config, plugin, backend, model
    std::string subject;
    Outcome outcome;
    std::string detail;
    std::string fix; // empty when nothing to do
};

std::string_view outcome_name(Outcome o) {
    switch (o) {
    case Outcome::ok: return "ok";
    case Outcome::warn: return "warn";
    case Outcome::fail: return "fail";
    case Outcome::skip: return "skip";
    }
    return "fail";
}

std::string fix_for(plugin::FailureKind kind, const std::filesystem::path &path) {
    switch (kind) {
    case plugin::FailureKind::not_a_plugin:
        return "remove " + path.filename().string() + " from the plugin path";
    case plugin::FailureKind::abi_mismatch:
        return "rebuild the plugin against this host's SDK (sdk/include/tinyllm/plugin.h)";
    case plugin::FailureKind::missing_dependency:
        return "install the missing library (see: ldd " + path.string() + ")";
    case plugin::FailureKind::invalid_descriptor:
        return "fix the plugin's descriptor; check it with: tinyllm plugins validate " +
               path.string();
    case plugin::FailureKind::init_failed: return "see the plugin's message above";
    case plugin::FailureKind::duplicate: return "remove one of the two copies";
    case plugin::FailureKind::unsupported_kind:
        return "update tinyllm, or use a build of the plugin made for this host's SDK";
    case plugin::FailureKind::crashed:
    case plugin::FailureKind::hung:
        return "remove " + path.filename().string() +
               " from the plugin path, or report the crash to its author (the scan is retried "
               "when the file changes)";
    }
    return {};
}

void check_plugins(Context &ctx, std::vector<Check> &checks) {
    const plugin::Registry &reg = ctx.registry(false);
    for (const auto &p : reg.plugins()) {
        std::string kinds;
        for (const tllm_component *c : p->components) {
            kinds += (kinds.empty() ? "" : ", ") + std::string(c->name) + " (" + c->kind + ")";
        }
        checks.push_back({"plugin", p->descriptor->id, Outcome::ok,
                          std::string(p->descriptor->version) + ": " + kinds, ""});
    }
    for (const auto &f : reg.failures()) {
        checks.push_back({"plugin", f.path.filename().string(), Outcome::fail, plugin::describe(f),
                          fix_for(f.kind, f.path)});
    }
    for (const auto &problem : reg.path_problems()) {
        checks.push_back({"plugin", "path", Outcome::fail, problem,
                          "fix --plugins, TINYLLM_PLUGIN_PATH or system.yaml plugins"});
    }
    if (reg.plugins().empty()) {
        checks.push_back({"plugin", "plugins", Outcome::fail, "no plugin loaded",
                          "pass --plugins DIR or install the plugins (scripts/setup.sh)"});
    }
}

// Backend reachability, then each configured model's presence on its backend.
void check_backends(Context &ctx, std::vector<Check> &checks) {
    runtime::Runtime &rt = ctx.runtime(Context::RuntimeUse::diagnose);
    std::map<std::string, std::vector<std::string>> models_on; // backend -> names present
    std::map<std::string, std::string> unreachable;            // backend -> reason
    for (const auto &slot : rt.backends()) {
        const std::string subject = slot.name + " (" + slot.type + ")";
        if (!slot.backend) {
            checks.push_back({"backend", subject, Outcome::fail, slot.error->what(),
                              slot.error->code() == ErrorCode::plugin
                                  ? "install the plugin that provides backend type \"" + slot.type +
                                        "\" or fix models.yaml"
                                  : "fix the backend's config in models.yaml"});
            unreachable[slot.name] = "backend not created";
            continue;
        }
        try {
            runtime::CallContext call = ctx.control_call();
            const json::Document v =
                json::parse_object(slot.backend->server_version(call), "server_version");
            const std::string endpoint = json::get_string(v, "endpoint").value_or("");
            checks.push_back({"backend", subject, Outcome::ok,
                              "reachable" + (endpoint.empty() ? "" : " at " + endpoint) +
                                  ", server version " +
                                  json::get_string(v, "version").value_or("?"),
                              ""});
            runtime::CallContext list_call = ctx.control_call();
            auto &names = models_on[slot.name];
            for (const runtime::ServerModel &m : slot.backend->models(list_call))
                names.push_back(m.name);
        } catch (const Error &e) {
            // A server that answered something malformed is running: it is the wrong server
            // (or a broken one), not a stopped one.
            checks.push_back({"backend", subject, Outcome::fail, e.what(),
                              e.code() == ErrorCode::protocol
                                  ? "check that the backend's url (OLLAMA_HOST, or url in "
                                    "models.yaml) points at the model server, not another service"
                                  : "start the model server (ollama serve) or point the backend "
                                    "at it (OLLAMA_HOST, or url in models.yaml)"});
            unreachable[slot.name] = e.what();
        }
    }
    for (const auto &m : rt.config().models.models) {
        const std::string subject = m.name + " on " + m.backend;
        if (unreachable.count(m.backend)) {
            checks.push_back({"model", subject, Outcome::skip, "backend unreachable", ""});
            continue;
        }
        const auto &present = models_on[m.backend];
        const bool found = std::any_of(present.begin(), present.end(), [&](const std::string &n) {
            return same_model(n, m.model);
        });
        if (found) {
            checks.push_back({"model", subject, Outcome::ok, "present (" + m.model + ")", ""});
        } else {
            checks.push_back({"model", subject, Outcome::fail,
                              "not on the server (" + m.model + ")",
                              "tinyllm models pull " + m.name});
        }
    }
}

// Every tool can be created and passes its own check (the code tool's sandbox probe).
void check_tools(Context &ctx, std::vector<Check> &checks) {
    runtime::ToolSet &tools = ctx.runtime(Context::RuntimeUse::diagnose).tools();
    for (const auto &entry : tools.entries()) {
        const std::string subject =
            entry.ref.component != nullptr && entry.name != entry.ref.component->name
                ? entry.name + " (" + entry.ref.component->name + ")"
                : entry.name;
        try {
            {
                const SetupWatchdog watchdog(ctx.setup_budget());
                tools.prepare(entry.name);
            }
            runtime::Tool &tool = tools.get(entry.name);
            runtime::CallContext call(ctx.cancel_token(), std::nullopt, nullptr);
            const runtime::Tool::Health health = tool.check(call);
            checks.push_back(
                {"tool", subject, health.warning ? Outcome::warn : Outcome::ok, health.detail, ""});
        } catch (const Error &e) {
            std::string fix = "fix the tool's entry in tools.yaml";
            if (e.code() == ErrorCode::unavailable) {
                fix = "install what is missing, or disable the tool in tools.yaml "
                      "(enabled: false)";
            } else if (e.code() == ErrorCode::plugin) {
                fix = "install the plugin that provides the tool, or fix tools.yaml";
            }
            checks.push_back({"tool", subject, Outcome::fail, e.what(), fix});
        }
    }
}

// Whether the prompt files load; one check line either way.
bool check_prompts(Context &ctx, std::vector<Check> &checks) {
    try {
        const prompts::Library &library = ctx.prompts();
        std::string dirs;
        for (const auto &d : library.dirs())
            dirs += (dirs.empty() ? "" : ", ") + d.string();
        checks.push_back(
            {"prompts", "prompts", Outcome::ok,
             std::to_string(library.prompts().size()) + " prompt file(s) valid (" + dirs + ")",
             ""});
        return true;
    } catch (const Error &e) {
        checks.push_back(
            {"prompts", "prompts", Outcome::fail, e.what(),
             "correct the prompt file at the position shown (docs/graphs.md#prompts)"});
        return false;
    }
}

void print(const std::vector<Check> &checks) {
    const bool color = color_enabled(stdout);
    for (const Check &c : checks) {
        std::string mark;
        switch (c.outcome) {
        case Outcome::ok: mark = paint("ok  ", Color::green, color); break;
        case Outcome::warn: mark = paint("warn", Color::yellow, color); break;
        case Outcome::fail: mark = paint("FAIL", Color::red, color); break;
        case Outcome::skip: mark = paint("skip", Color::dim, color); break;
        }
        std::cout << mark << " " << c.area << " " << c.subject << ": " << c.detail;
        if (!c.fix.empty()) std::cout << paint("  (fix: " + c.fix + ")", Color::dim, color);
        std::cout << "\n";
    }
}

void print_json(const std::vector<Check> &checks, bool healthy) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    json::Value list(rapidjson::kArrayType);
    for (const Check &c : checks) {
        json::Value v(rapidjson::kObjectType);
        v.AddMember("area", json::string_value(c.area, a), a);
        v.AddMember("subject", json::string_value(c.subject, a), a);
        v.AddMember("status", json::string_value(outcome_name(c.outcome), a), a);
        v.AddMember("detail", json::string_value(c.detail, a), a);
        if (!c.fix.empty()) v.AddMember("fix", json::string_value(c.fix, a), a);
        list.PushBack(v, a);
    }
    doc.AddMember("healthy", json::Value(healthy), a);
    doc.AddMember("checks", list, a);
    std::cout << json::to_pretty_string(doc) << "\n";
}

} // namespace

int run_doctor(Context &ctx, const std::vector<std::string> &args) {
    po::options_description desc("Options");
    bool as_json = false;
    desc.add_options()("help,h", "show this help")("json", po::bool_switch(&as_json),
                                                   "print the checks as JSON");
    add_common_options(desc, ctx.options());
    const auto vm = parse_command_line(args, desc, {}, ctx.options());
    if (vm.count("help")) {
        print_help("doctor [--json]",
                   "Checks that the config and the prompt files are valid, every plugin loads,\n"
                   "each model server is reachable, each configured model is present and each\n"
                   "tool can work here (the code tool's sandbox). Exit 1 when a check fails.",
                   desc);
        return kExitOk;
    }
    std::vector<Check> checks;
    std::optional<Error> config_error;
    const config::Config *config = ctx.try_config(config_error);
    if (config != nullptr) {
        checks.push_back({"config", config->dir.string(), Outcome::ok,
                          config->tools.source.empty() ? "system.yaml and models.yaml valid"
                                                       : "system.yaml, models.yaml and "
                                                         "tools.yaml valid",
                          ""});
    } else {
        checks.push_back({"config", "config", Outcome::fail, config_error->what(),
                          "correct the file at the position shown (docs/config.md)"});
    }
    check_plugins(ctx, checks);
    // The runtime (backends, tools) serves the prompt files: without them it cannot start.
    if (config != nullptr && check_prompts(ctx, checks)) {
        check_backends(ctx, checks);
        check_tools(ctx, checks);
    }
    const bool healthy = std::none_of(checks.begin(), checks.end(),
                                      [](const Check &c) { return c.outcome == Outcome::fail; });
    if (as_json)
        print_json(checks, healthy);
    else
        print(checks);
    return healthy ? kExitOk : kExitFailure;
}

} // namespace tinyllm::cli
