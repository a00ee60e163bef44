#include "runtime/runtime.hpp"

#include "config/suggest.hpp"
#include "messages/chat.hpp"
#include "runtime/component_config.hpp"
#include "tinyllm/json.hpp"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

namespace tinyllm::runtime {

namespace {

// When a model or tool call started (wall clock, for the trace) and how long it took (steady).
struct CallTimer {
    int64_t started_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
    Clock::time_point start = Clock::now();
    int64_t elapsed_us() const {
        return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
    }
};

} // namespace

Runtime::Runtime(const config::Config &config, const plugin::Registry &registry)
    : config_(config), tools_(config.tools, registry, this) {
    for (const auto &bc : config_.models.backends)
        create_backend(bc, registry);
    for (const config::ModelConfig &mc : config_.models.models) {
        RequestDefaults &d = defaults_.emplace_back();
        if (mc.options && mc.options->IsObject() && mc.options->MemberCount() > 0) {
            d.options = json::to_string(*mc.options);
        }
        if (mc.keep_alive && !mc.keep_alive->IsNull())
            d.keep_alive = json::to_string(*mc.keep_alive);
        if (mc.think) d.think = *mc.think ? "true" : "false";
    }
}

const Runtime::RequestDefaults &Runtime::defaults_of(const config::ModelConfig &model) const {
    return defaults_.at(static_cast<size_t>(&model - config_.models.models.data()));
}

Runtime::~Runtime() = default;

void Runtime::create_backend(const config::BackendConfig &bc, const plugin::Registry &registry) {
    BackendSlot slot{bc.name, bc.type, nullptr, std::nullopt};
    try {
        const plugin::ComponentRef ref = registry.find(TLLM_KIND_BACKEND, bc.type);
        if (ref.component == nullptr) {
            throw Error(ErrorCode::plugin,
                        bc.location.to_string() + ": backend " + bc.name +
                            ": no loaded plugin provides backend type \"" + bc.type + "\"" +
                            config::did_you_mean(bc.type, registry.names_of_kind(TLLM_KIND_BACKEND),
                                                 "available", "available: none"));
        }
        const ComponentConfig cfg = make_component_config(*ref.component, *bc.config,
                                                          bc.config_source, "backend " + bc.name);
        auto backend = create_with_config(cfg, bc.config_source, [&](const std::string &json) {
            return std::make_unique<Backend>(bc.name, ref, json, this);
        });
        CallContext activation(CancelToken(), activation_deadline(), {});
        backend->activate(activation);
        slot.backend = std::move(backend);
    } catch (const Error &e) {
        spdlog::debug("backend {} unavailable: {}", bc.name, e.what());
        slot.error = e;
    }
    backends_.push_back(std::move(slot));
}

Backend &Runtime::backend(const std::string &name) const {
    for (const auto &slot : backends_) {
        if (slot.name != name) continue;
        if (slot.backend) return *slot.backend;
        throw *slot.error;
    }
    throw Error(ErrorCode::not_found, "no backend named \"" + name + "\" in models.yaml");
}

ResolvedModel Runtime::resolve(const std::string &model) const {
    const std::string name = model.empty() ? config_.models.default_model : model;
    if (const config::ModelConfig *mc = config_.models.find_model(name)) {
        return {&backend(mc->backend), mc->model, mc};
    }
    if (config_.models.backends.empty()) {
        throw Error(ErrorCode::config, "models.yaml configures no backend");
    }
    spdlog::debug("model {} is not in models.yaml; using backend {}", name,
                  config_.models.backends.front().name);
    return {&backend(config_.models.backends.front().name), name, nullptr};
}

namespace {

// Configured options are defaults: a key the request sets wins.
std::string merge_options(const json::Value &configured, const std::optional<std::string> &given) {
    json::Document merged;
    merged.CopyFrom(configured, merged.GetAllocator());
    if (!merged.IsObject()) merged.SetObject();
    if (given) {
        const json::Document req =
            json::parse_object(*given, "request options", ErrorCode::invalid_argument);
        for (const auto &m : req.GetObject()) {
            json::Value key(m.name, merged.GetAllocator());
            if (auto it = merged.FindMember(key); it != merged.MemberEnd()) {
                it->value.CopyFrom(m.value, merged.GetAllocator());
            } else {
                merged.AddMember(key, json::Value(m.value, merged.GetAllocator()),
                                 merged.GetAllocator());
            }
        }
    }
    return json::to_string(merged);
}

} // namespace

messages::ChatResponse Runtime::chat(CallContext &call, messages::ChatRequest request) {
    if (request.extra != "{}") {
        // A null member ("options": null) of a request read from JSON is kept verbatim in
        // `extra` and would override what is filled in below; for these fields null means
        // "not given".
        json::Document extra = json::parse_object(request.extra, "request extra");
        for (const char *key : {"model", "options", "keep_alive", "think"})
            extra.RemoveMember(key);
        request.extra = json::to_string(extra);
    }
    const ResolvedModel resolved = resolve(request.model);
    request.model = resolved.server_name;
    if (const config::ModelConfig *mc = resolved.config) {
        const RequestDefaults &d = defaults_of(*mc);
        if (d.options) {
            request.options =
                request.options ? merge_options(*mc->options, request.options) : d.options;
        }
        if (!request.keep_alive) request.keep_alive = d.keep_alive;
        if (!request.think) request.think = d.think;
    }
    const std::string text = messages::to_json(request);

    ModelCallRecord record;
    record.model = resolved.config != nullptr ? resolved.config->name : resolved.server_name;
    record.backend = resolved.backend->name();
    const CallTimer timer;
    record.started_at_ms = timer.started_at_ms;
    CallObserver *observer = call.observer();
    auto finish = [&](messages::ChatUsage usage, std::string error) {
        record.duration_us = timer.elapsed_us();
        record.usage = usage;
        record.error = std::move(error);
        if (observer != nullptr) observer->on_model_call(record);
    };
    try {
        const std::string answer = resolved.backend->chat(call, text);
        // A backend answering something that is not a chat response is reported here, once,
        // instead of confusing whoever reads it next.
        messages::ChatResponse response;
        try {
            response = messages::parse_chat_response(answer);
        } catch (const Error &e) {
            throw Error(ErrorCode::protocol, "backend " + resolved.backend->name() +
                                                 " returned an invalid chat response: " + e.what());
        }
        finish(response, "");
        return response;
    } catch (const Error &e) {
        finish({}, e.what());
        throw;
    }
}

messages::ChatResponse Runtime::chat(const tllm_call *parent, messages::ChatRequest request) {
    CallContext call(parent);
    return chat(call, std::move(request));
}

std::string Runtime::call_tool(CallContext &call, const std::string &tool,
                               const std::string &arguments_json) {
    ToolCallRecord record;
    record.tool = tool;
    record.arguments = arguments_json;
    const CallTimer timer;
    record.started_at_ms = timer.started_at_ms;
    CallObserver *observer = call.observer();
    auto finish = [&](std::string result, std::string error) {
        record.duration_us = timer.elapsed_us();
        record.result = std::move(result);
        record.error = std::move(error);
        if (observer != nullptr) observer->on_tool_call(record);
    };
    try {
        std::string result = tools_.get(tool).invoke(call, arguments_json);
        finish(result, "");
        return result;
    } catch (const Error &e) {
        finish("", e.what());
        throw;
    }
}

std::string Runtime::call_tool(const tllm_call *parent, const std::string &tool,
                               const std::string &arguments_json) {
    CallContext call(parent);
    return call_tool(call, tool, arguments_json);
}

std::string Runtime::describe_tool(const std::string &tool) {
    return tools_.get(tool).definition();
}

void Runtime::prepare_tools() {
    tools_.prepare_all();
}

std::optional<Clock::time_point> Runtime::activation_deadline() const {
    const int64_t budget = config_.system.limits.request_timeout_ms;
    if (budget <= 0) return std::nullopt;
    return Clock::now() + std::chrono::milliseconds(budget);
}

} // namespace tinyllm::runtime
