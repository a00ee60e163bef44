#include "runtime/runtime.hpp"

#include <cmath>
#include <cstdio>

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

Runtime::Runtime(const config::Config &config, const plugin::Registry &registry,
                 const prompts::Library *prompts)
    : config_(config), prompts_(prompts), tools_(config.tools.tools, registry, this),
      judges_(config.judges.judges, registry, this),
      mutations_(config.expansion.strategies, registry, this) {
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
    BackendSlot slot{bc.name, bc.type, nullptr, std::nullopt, {}};
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
        slot.config_json = cfg.json;
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

void Runtime::check_configuration() {
    for (const BackendSlot &slot : backends_) {
        if (!slot.error) continue;
        if (slot.error->code() == ErrorCode::config || slot.error->code() == ErrorCode::plugin) {
            throw *slot.error;
        }
    }
    // Prepared as a run prepares them (tools first: judges may call tools in activate), then
    // the problems of the configured ones thrown.
    prepare_components();
    tools_.check_configuration(true);
    judges_.check_configuration(true);
    // Mutations are created only by `tinyllm expansion`: their configs are checked, no more.
    mutations_.check_configuration(false);
}

void Runtime::refuse_when_offline(const ResolvedModel &resolved, const char *call) const {
    if (!offline_) return;
    throw Error(ErrorCode::unavailable, std::string(call) + " with model " + resolved.server_name +
                                            " on backend " + resolved.backend->name() +
                                            " (offline: not contacted)");
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

// `configured` options are defaults: a key `given` sets wins.
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

namespace {

// One model call as the call's observer (the trace) records it: which model on which backend,
// when, how long, its usage and its error.
class ModelCallReport {
public:
    ModelCallReport(CallContext &call, const ResolvedModel &resolved) : observer_(call.observer()) {
        record_.model = resolved.config != nullptr ? resolved.config->name : resolved.server_name;
        record_.backend = resolved.backend->name();
        record_.started_at_ms = timer_.started_at_ms;
    }
    void finish(std::string error, messages::ChatUsage usage = {}) {
        record_.duration_us = timer_.elapsed_us();
        record_.usage = usage;
        record_.error = std::move(error);
        if (observer_ != nullptr) observer_->on_model_call(record_);
    }

private:
    CallObserver *observer_;
    const CallTimer timer_;
    ModelCallRecord record_;
};

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
    // The run's options (a served request's) under the node's own, over the model's configured.
    if (const std::string *run = call.model_options()) {
        const json::Document run_options =
            json::parse_object(*run, "the run's model options", ErrorCode::invalid_argument);
        request.options = merge_options(run_options, request.options);
    }
    if (const config::ModelConfig *mc = resolved.config) {
        const RequestDefaults &d = defaults_of(*mc);
        if (d.options) {
            request.options =
                request.options ? merge_options(*mc->options, request.options) : d.options;
        }
        if (!request.keep_alive) request.keep_alive = d.keep_alive;
        if (!request.think) request.think = d.think;
    }
    refuse_when_offline(resolved, "chat");
    const std::string text = messages::to_json(request);

    ModelCallReport report(call, resolved);
    const auto finish = [&](messages::ChatUsage usage, std::string error) {
        report.finish(std::move(error), usage);
    };
    // What the model streams is watched: past limits.max_answer_bytes the call is cut, so a
    // model or a server that never stops cannot fill the memory (the plugin's nor the host's).
    const size_t max_bytes = config_.system.limits.max_answer_bytes;
    size_t streamed = 0;
    bool cut = false;
    const CancelToken cut_token;
    CallContext watched(call.raw(), cut_token, [&](std::string_view event) {
        streamed += event.size();
        if (streamed > max_bytes) {
            cut = true;
            cut_token.cancel();
            return;
        }
        call.emit(event);
    });
    const auto too_long = [&] {
        return Error(ErrorCode::limit_exceeded,
                     "model " + resolved.server_name + " on backend " + resolved.backend->name() +
                         " answered more than limits.max_answer_bytes (" +
                         std::to_string(max_bytes) + " bytes); the answer was cut");
    };
    try {
        std::string answer;
        try {
            answer = resolved.backend->chat(watched, text);
        } catch (const Error &) {
            if (cut) throw too_long();
            throw;
        }
        if (cut) throw too_long();
        // A backend answering something that is not a chat response is reported here, once,
        // instead of confusing whoever reads it next.
        messages::ChatResponse response;
        try {
            response = messages::parse_chat_response(answer);
        } catch (const Error &e) {
            throw Error(ErrorCode::protocol, "backend " + resolved.backend->name() +
                                                 " returned an invalid chat response: " + e.what());
        }
        // A backend that does not stream returns the whole answer at once.
        const messages::ChatMessage &m = response.message;
        if (m.content.size() + (m.thinking ? m.thinking->size() : 0) > max_bytes) throw too_long();
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

std::string Runtime::prompt(const std::string &id) {
    if (prompts_ == nullptr) return HostServices::prompt(id);
    return prompts::to_json(prompts_->get(id));
}

std::vector<std::string> Runtime::role_ladder(const std::string &role,
                                              const std::string &min_size) const {
    double min = 0;
    if (!min_size.empty()) {
        const std::optional<double> parsed = config::parse_model_size(min_size);
        if (!parsed) {
            throw Error(ErrorCode::invalid_argument,
                        "\"" + min_size + "\" is not a model size (1.5b, 500m)");
        }
        min = *parsed;
    }
    std::vector<std::string> ladder = config_.models.role_ladder(role, min);
    if (!ladder.empty()) return ladder;
    const std::string where = config_.models.source.string();
    if (!config_.models.role_ladder(role).empty()) {
        throw Error(ErrorCode::not_found,
                    "no model of role \"" + role + "\" in " + where + " has at least " + min_size +
                        " parameters (set size: on a model whose name does not say it)");
    }
    throw Error(ErrorCode::not_found,
                "no model in " + where + " has the role \"" + role + "\"" +
                    config::did_you_mean(role, config_.models.roles(), "roles", "roles: none"));
}

std::string Runtime::role_models(const std::string &role, const std::string &min_size) {
    json::Document doc(rapidjson::kArrayType);
    for (const std::string &name : role_ladder(role, min_size))
        doc.PushBack(json::string_value(name, doc.GetAllocator()), doc.GetAllocator());
    return json::to_string(doc);
}

store::EmbeddingCache *Runtime::embedding_cache() {
    const std::lock_guard lock(cache_mutex_);
    if (!cache_ && !cache_failed_) {
        try {
            cache_ =
                std::make_unique<store::EmbeddingCache>(config_.system.data_dir / "embeddings.db");
        } catch (const Error &e) {
            // Embeddings still work, computed every time: a read-only data dir is no reason
            // to fail a route.
            spdlog::warn("{} (embeddings are not cached)", e.what());
            cache_failed_ = true;
        }
    }
    return cache_.get();
}

std::vector<std::vector<float>> Runtime::embed(CallContext &call, const std::string &model,
                                               const std::vector<std::string> &texts) {
    const ResolvedModel resolved = resolve(model);
    // Two backends may serve different models under one name: the backend is part of the key.
    const std::string key = resolved.backend->name() + "/" + resolved.server_name;
    store::EmbeddingCache *cache = embedding_cache();
    std::vector<std::vector<float>> vectors(texts.size());
    std::vector<size_t> missing;
    for (size_t i = 0; i < texts.size(); ++i) {
        std::optional<std::vector<float>> hit;
        if (cache != nullptr) {
            try {
                hit = cache->find(key, texts[i]);
            } catch (const Error &e) {
                spdlog::warn("{}", e.what());
            }
        }
        if (hit) {
            vectors[i] = std::move(*hit);
        } else {
            missing.push_back(i);
        }
    }
    if (missing.empty()) return vectors;
    refuse_when_offline(resolved, "embed");

    json::Document request(rapidjson::kObjectType);
    auto &a = request.GetAllocator();
    request.AddMember("model", json::string_value(resolved.server_name, a), a);
    json::Value input(rapidjson::kArrayType);
    for (const size_t i : missing)
        input.PushBack(json::string_value(texts[i], a), a);
    request.AddMember("input", input, a);

    ModelCallReport report(call, resolved);
    const auto finish = [&](std::string error) { report.finish(std::move(error)); };
    try {
        const std::string answer = resolved.backend->embed(call, json::to_string(request));
        const auto invalid = [&](const std::string &why) {
            return Error(ErrorCode::protocol, "backend " + resolved.backend->name() +
                                                  " returned invalid embeddings: " + why);
        };
        json::Document doc;
        try {
            doc = json::parse_object(answer, "embed response", ErrorCode::protocol);
        } catch (const Error &e) {
            throw invalid(e.what());
        }
        const json::Value *rows = json::find(doc, "embeddings");
        if (rows == nullptr || !rows->IsArray() || rows->Size() != missing.size()) {
            throw invalid("expected " + std::to_string(missing.size()) + " vectors");
        }
        size_t dims = 0;
        for (rapidjson::SizeType r = 0; r < rows->Size(); ++r) {
            const json::Value &row = (*rows)[r];
            if (!row.IsArray() || row.Empty()) throw invalid("a vector that is not numbers");
            if (dims == 0) dims = row.Size();
            if (row.Size() != dims) throw invalid("vectors of different lengths");
            std::vector<float> v;
            v.reserve(dims);
            for (const auto &x : row.GetArray()) {
                if (!x.IsNumber() || !std::isfinite(static_cast<float>(x.GetDouble()))) {
                    throw invalid("a vector that is not finite numbers");
                }
                v.push_back(static_cast<float>(x.GetDouble()));
            }
            const size_t i = missing[r];
            if (cache != nullptr) {
                try {
                    cache->put(key, texts[i], v);
                } catch (const Error &e) {
                    spdlog::warn("{}", e.what());
                }
            }
            vectors[i] = std::move(v);
        }
        finish("");
    } catch (const Error &e) {
        finish(e.what());
        throw;
    }
    return vectors;
}

std::string Runtime::embed(const tllm_call *parent, const std::string &model,
                           const std::string &texts_json) {
    CallContext call(parent);
    const json::Document list = json::parse(texts_json, "texts", ErrorCode::invalid_argument);
    std::vector<std::string> texts;
    if (list.IsArray()) {
        for (const auto &t : list.GetArray()) {
            if (!t.IsString()) break;
            texts.emplace_back(t.GetString(), t.GetStringLength());
        }
    }
    if (!list.IsArray() || texts.size() != list.Size()) {
        throw Error(ErrorCode::invalid_argument, "embed: texts must be a JSON array of strings");
    }
    const std::vector<std::vector<float>> vectors = embed(call, model, texts);
    std::string out = R"({"model":)";
    json::append_quoted(out, model.empty() ? config_.models.default_model : model);
    out += R"(,"dimensions":)" + std::to_string(vectors.empty() ? 0 : vectors.front().size());
    out += R"(,"embeddings":[)";
    char number[32];
    for (size_t i = 0; i < vectors.size(); ++i) {
        out += i == 0 ? "[" : ",[";
        for (size_t k = 0; k < vectors[i].size(); ++k) {
            // %.9g round-trips a float exactly.
            const int n = std::snprintf(number, sizeof number, "%s%.9g", k == 0 ? "" : ",",
                                        static_cast<double>(vectors[i][k]));
            out.append(number, static_cast<size_t>(n));
        }
        out += "]";
    }
    out += "]}";
    return out;
}

void Runtime::prepare_components() {
    tools_.prepare_all();
    judges_.prepare_all();
}

namespace {

// A judge may grade with other judges (an ensemble); one that names itself, directly or not,
// would recurse until the stack ran out.
constexpr size_t kMaxJudgeNesting = 16;

Judge &judge_for(JudgeSet &judges, CallContext &call, const std::string &name) {
    if (call.depth() > kMaxJudgeNesting) {
        throw Error(ErrorCode::config,
                    "judge " + name + ": judges nest deeper than " +
                        std::to_string(kMaxJudgeNesting) +
                        " calls (does an ensemble name itself, directly or through another?)");
    }
    return judges.get(name);
}

} // namespace

std::string Runtime::grade(CallContext &call, const std::string &judge,
                           const std::string &request_json) {
    const std::string &name = judge.empty() ? default_judge() : judge;
    return judge_for(judges_, call, name).grade(call, request_json);
}

std::string Runtime::compare(CallContext &call, const std::string &judge,
                             const std::string &request_json) {
    const std::string &name = judge.empty() ? default_judge() : judge;
    return judge_for(judges_, call, name).compare(call, request_json);
}

std::string Runtime::grade(const tllm_call *parent, const std::string &judge,
                           const std::string &request_json) {
    CallContext call(parent);
    return grade(call, judge, request_json);
}

std::string Runtime::compare(const tllm_call *parent, const std::string &judge,
                             const std::string &request_json) {
    CallContext call(parent);
    return compare(call, judge, request_json);
}

std::optional<Clock::time_point> Runtime::activation_deadline() const {
    const int64_t budget = config_.system.limits.request_timeout_ms;
    if (budget <= 0) return std::nullopt;
    return Clock::now() + std::chrono::milliseconds(budget);
}

} // namespace tinyllm::runtime
