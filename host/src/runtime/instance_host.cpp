#include "runtime/instance_host.hpp"

#include "logging/logging.hpp"
#include "runtime/chat_service.hpp"
#include "runtime/json_service.hpp"
#include "tinyllm/error.hpp"

#include <cstdlib>
#include <cstring>

namespace tinyllm::runtime {
namespace {

spdlog::level::level_enum to_spdlog(tllm_log_level level) {
    switch (level) {
    case TLLM_LOG_TRACE: return spdlog::level::trace;
    case TLLM_LOG_DEBUG: return spdlog::level::debug;
    case TLLM_LOG_INFO: return spdlog::level::info;
    case TLLM_LOG_WARN: return spdlog::level::warn;
    case TLLM_LOG_ERROR: return spdlog::level::err;
    }
    return spdlog::level::info;
}

// Runs a service call, converting every outcome into a status and an owned string.
template <class Fn> tllm_status serve(char **out_json, Fn &&fn) noexcept {
    if (out_json == nullptr) return TLLM_ERR_INVALID_ARGUMENT;
    *out_json = nullptr;
    try {
        *out_json = duplicate_for_plugin(fn());
        return *out_json != nullptr ? TLLM_OK : TLLM_ERR_INTERNAL;
    } catch (const Error &e) {
        *out_json = duplicate_for_plugin(e.what());
        return to_status(e.code());
    } catch (const std::exception &e) {
        *out_json = duplicate_for_plugin(e.what());
    } catch (...) {
        *out_json = duplicate_for_plugin("unknown error");
    }
    return TLLM_ERR_INTERNAL;
}

HostServices &services_or_throw(const tllm_host *host, const char *what) {
    HostServices *services = InstanceHost::services_of(host);
    if (services == nullptr) {
        throw Error(ErrorCode::unsupported, std::string(what) + " are not available here");
    }
    return *services;
}

constexpr tllm_tools_service_v1 kToolsService{
    sizeof(tllm_tools_service_v1),
    [](const tllm_host *h, const tllm_call *call, const char *tool, const char *arguments,
       char **out) {
        return serve(out, [&] {
            if (call == nullptr || tool == nullptr) {
                throw Error(ErrorCode::invalid_argument, "call_tool: no call or no tool name");
            }
            return services_or_throw(h, "tool calls")
                .call_tool(call, tool, arguments != nullptr ? arguments : "{}");
        });
    },
    [](const tllm_host *h, const char *tool, char **out) {
        return serve(out, [&] {
            if (tool == nullptr) throw Error(ErrorCode::invalid_argument, "describe: no tool name");
            return services_or_throw(h, "tools").describe_tool(tool);
        });
    },
};

constexpr tllm_prompts_service_v1 kPromptsService{
    sizeof(tllm_prompts_service_v1),
    [](const tllm_host *h, const char *id, char **out) {
        return serve(out, [&] {
            if (id == nullptr) throw Error(ErrorCode::invalid_argument, "prompt: no id");
            return services_or_throw(h, "prompts").prompt(id);
        });
    },
};

constexpr tllm_models_service_v1 kModelsService{
    sizeof(tllm_models_service_v1),
    [](const tllm_host *h, const char *role, const char *min_size, char **out) {
        return serve(out, [&] {
            if (role == nullptr) throw Error(ErrorCode::invalid_argument, "role: no role");
            return services_or_throw(h, "models")
                .role_models(role, min_size != nullptr ? min_size : "");
        });
    },
    [](const tllm_host *h, const tllm_call *call, const char *model, const char *texts,
       char **out) {
        return serve(out, [&] {
            if (call == nullptr || texts == nullptr) {
                throw Error(ErrorCode::invalid_argument, "embed: no call or no texts");
            }
            return services_or_throw(h, "embeddings")
                .embed(call, model != nullptr ? model : "", texts);
        });
    },
};

// grade and compare differ only in the function they reach.
template <std::string (HostServices::*Fn)(const tllm_call *, const std::string &,
                                          const std::string &)>
tllm_status judge_call(const tllm_host *h, const tllm_call *call, const char *judge,
                       const char *request, char **out) {
    return serve(out, [&] {
        if (call == nullptr || request == nullptr) {
            throw Error(ErrorCode::invalid_argument, "judges: no call or no request");
        }
        return (services_or_throw(h, "judges").*Fn)(call, judge != nullptr ? judge : "", request);
    });
}

constexpr tllm_judges_service_v1 kJudgesService{
    sizeof(tllm_judges_service_v1),
    judge_call<&HostServices::grade>,
    judge_call<&HostServices::compare>,
};

const void *service(const char *id) noexcept {
    if (id == nullptr) return nullptr;
    const std::string_view name = id;
    if (name == TLLM_SERVICE_CHAT) return &chat_service();
    if (name == TLLM_SERVICE_TOOLS) return &kToolsService;
    if (name == TLLM_SERVICE_JSON) return &json_service();
    if (name == TLLM_SERVICE_PROMPTS) return &kPromptsService;
    if (name == TLLM_SERVICE_MODELS) return &kModelsService;
    if (name == TLLM_SERVICE_JUDGES) return &kJudgesService;
    return nullptr;
}

} // namespace

char *duplicate_for_plugin(std::string_view text) noexcept {
    char *out = static_cast<char *>(std::malloc(text.size() + 1));
    if (out == nullptr) return nullptr;
    std::memcpy(out, text.data(), text.size());
    out[text.size()] = '\0';
    return out;
}

InstanceHost::InstanceHost(std::string log_name, HostServices *services)
    : logger_(logging::make_logger(log_name)), services_(services) {
    host_.struct_size = sizeof(tllm_host);
    host_.abi = {TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR};
    host_.host_data = this;
    host_.log = [](const tllm_host *h, tllm_log_level level, const char *message) {
        if (message != nullptr) self(h)->logger_->log(to_spdlog(level), "{}", message);
    };
    host_.log_enabled = [](const tllm_host *h, tllm_log_level level) -> int32_t {
        return self(h)->logger_->should_log(to_spdlog(level)) ? 1 : 0;
    };
    host_.get_service = [](const tllm_host *, const char *id) { return service(id); };
    host_.free_string = [](const tllm_host *, char *s) { std::free(s); };
}

InstanceHost *InstanceHost::self(const tllm_host *host) noexcept {
    return static_cast<InstanceHost *>(host->host_data);
}

HostServices *InstanceHost::services_of(const tllm_host *host) noexcept {
    return host != nullptr ? self(host)->services_ : nullptr;
}

} // namespace tinyllm::runtime
