// tinyllm models list | show NAME | pull NAME
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/model_names.hpp"
#include "cli/terminal.hpp"
#include "tinyllm/json.hpp"

#include <iostream>
#include <tuple>

namespace tinyllm::cli {
namespace {

using json::Value;

runtime::CallContext plain_call(Context &ctx, runtime::EventSink sink = nullptr) {
    return runtime::CallContext(ctx.cancel_token(), std::nullopt, std::move(sink));
}

// Every model configured or present on a reachable backend, with where it is.
int list(Context &ctx, bool as_json) {
    runtime::Runtime &rt = ctx.runtime();
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    Value rows(rapidjson::kArrayType);
    Value errors(rapidjson::kArrayType);
    // backend -> (name, size, simulated) of every model its server lists
    std::map<std::string, std::vector<std::tuple<std::string, int64_t, bool>>> present;
    for (const auto &slot : rt.backends()) {
        if (!slot.backend) {
            errors.PushBack(json::string_value(slot.name + ": " + slot.error->what(), a), a);
            continue;
        }
        try {
            runtime::CallContext call = ctx.control_call();
            auto &list = present[slot.name];
            for (const runtime::ServerModel &m : slot.backend->models(call))
                list.emplace_back(m.name, m.size, m.simulated);
        } catch (const Error &e) {
            errors.PushBack(json::string_value(slot.name + ": " + e.what(), a), a);
        }
    }
    auto add_row = [&](const std::string &name, const std::string &backend,
                       const std::string &server_name, bool configured, std::optional<int64_t> size,
                       bool simulated, const std::string &roles) {
        Value r(rapidjson::kObjectType);
        r.AddMember("name", json::string_value(name, a), a);
        r.AddMember("backend", json::string_value(backend, a), a);
        r.AddMember("model", json::string_value(server_name, a), a);
        r.AddMember("configured", Value(configured), a);
        r.AddMember("present", Value(size.has_value()), a);
        if (size) r.AddMember("size", Value(*size), a);
        r.AddMember("simulated", Value(simulated), a);
        r.AddMember("roles", json::string_value(roles, a), a);
        rows.PushBack(r, a);
    };
    std::set<std::pair<std::string, std::string>> seen; // (backend, server name)
    for (const auto &m : rt.config().models.models) {
        std::optional<int64_t> size;
        bool simulated = false;
        for (const auto &[n, s, sim] : present[m.backend]) {
            if (same_model(n, m.model)) {
                size = s;
                simulated = sim;
            }
        }
        std::string roles;
        for (const auto &r : m.roles)
            roles += (roles.empty() ? "" : ",") + r;
        add_row(m.name, m.backend, m.model, true, size, simulated, roles);
        seen.insert({m.backend, with_tag(m.model)});
    }
    for (const auto &[backend, list] : present) {
        for (const auto &[n, s, sim] : list) {
            if (!seen.count({backend, with_tag(n)})) add_row(n, backend, n, false, s, sim, "");
        }
    }
    doc.AddMember("models", rows, a);
    doc.AddMember("errors", errors, a);
    if (as_json) {
        std::cout << json::to_pretty_string(doc) << "\n";
    } else {
        const bool color = color_enabled(stdout);
        std::printf("%-28s %-10s %-10s %-10s %s\n", "NAME", "BACKEND", "SIZE", "STATUS", "ROLES");
        for (const auto &r : doc["models"].GetArray()) {
            const bool configured = r["configured"].GetBool();
            const bool here = r["present"].GetBool();
            const bool simulated = r["simulated"].GetBool();
            // A simulated model has no weights: say so instead of a size and "ready".
            const std::string status = !here        ? "missing"
                                       : simulated  ? "simulated"
                                       : configured ? "ready"
                                                    : "available";
            std::printf("%-28s %-10s %-10s %-10s %s\n", r["name"].GetString(),
                        r["backend"].GetString(),
                        !here       ? "-"
                        : simulated ? "-"
                                    : human_bytes(r["size"].GetInt64()).c_str(),
                        paint(status, here ? Color::green : Color::red, color).c_str(),
                        r["roles"].GetString());
        }
        for (const auto &e : doc["errors"].GetArray()) {
            std::fprintf(stderr, "tinyllm: %s: backend %s\n",
                         paint("warning", Color::yellow, color_enabled(stderr)).c_str(),
                         e.GetString());
        }
    }
    return doc["errors"].Empty() ? kExitOk : kExitUnavailable;
}

std::string model_request(const runtime::ResolvedModel &m) {
    json::Document req(rapidjson::kObjectType);
    req.AddMember("model", json::string_value(m.server_name, req.GetAllocator()),
                  req.GetAllocator());
    return json::to_string(req);
}

int show(Context &ctx, const std::string &name, bool as_json) {
    runtime::ResolvedModel m = ctx.runtime().resolve(name);
    auto call = ctx.control_call();
    const std::string out = m.backend->show_model(call, model_request(m));
    const json::Document doc = json::parse_object(out, "show_model");
    if (as_json) {
        std::cout << json::to_pretty_string(doc) << "\n";
        return kExitOk;
    }
    std::printf("%-16s %s\n%-16s %s\n", "Model", name.c_str(), "Backend",
                m.backend->name().c_str());
    if (const Value *d = json::find(doc, "details")) {
        for (const char *key : {"family", "parameter_size", "quantization_level", "format"}) {
            if (auto v = json::get_string(*d, key)) std::printf("%-16s %s\n", key, v->c_str());
        }
    }
    if (const Value *info = json::find(doc, "model_info"); info && info->IsObject()) {
        for (const auto &kv : info->GetObject()) {
            const std::string key = kv.name.GetString();
            if (key.size() > 15 && key.compare(key.size() - 15, 15, ".context_length") == 0) {
                std::printf("%-16s %s\n", "context_length", json::to_string(kv.value).c_str());
            }
        }
    }
    if (const Value *caps = json::find(doc, "capabilities")) {
        std::printf("%-16s %s\n", "capabilities", json::to_string(*caps).c_str());
    }
    return kExitOk;
}

int pull(Context &ctx, const std::string &name, bool as_json) {
    runtime::ResolvedModel m = ctx.runtime().resolve(name);
    ProgressBar bar;
    auto call = plain_call(ctx, [&](std::string_view event) {
        const json::Document ev = json::parse_object(event, "event");
        if (json::get_string(ev, "type").value_or("") != "progress") return;
        bar.update(json::get_string(ev, "status").value_or(""),
                   json::get_int(ev, "completed").value_or(0),
                   json::get_int(ev, "total").value_or(0));
    });
    const std::string out = m.backend->pull_model(call, model_request(m));
    bar.finish();
    if (as_json)
        std::cout << json::to_pretty_string(json::parse(out, "pull")) << "\n";
    else
        std::cout << "pulled " << m.server_name << " on " << m.backend->name() << "\n";
    return kExitOk;
}

} // namespace

int run_models(Context &ctx, const std::vector<std::string> &args) {
    po::options_description desc("Options");
    bool as_json = false;
    desc.add_options()("help,h", "show this help")("json", po::bool_switch(&as_json),
                                                   "print data as JSON");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {"action", "name"}, ctx.options());
    if (vm.count("help")) {
        print_help("models list|show NAME|pull NAME [--json]",
                   "list: configured models and the models each server has.\n"
                   "show: a model's details from its server.\n"
                   "pull: download a model onto its server (progress bar on a terminal).",
                   desc);
        return kExitOk;
    }
    const std::string action = positional(vm, "action", "list");
    const std::string name = positional(vm, "name");
    if (action == "list") return list(ctx, as_json);
    if (name.empty()) throw Error(ErrorCode::usage, "models " + action + " needs a NAME");
    if (action == "show") return show(ctx, name, as_json);
    if (action == "pull") return pull(ctx, name, as_json);
    throw Error(ErrorCode::usage, "unknown models action \"" + action + "\" (see --help)");
}

} // namespace tinyllm::cli
