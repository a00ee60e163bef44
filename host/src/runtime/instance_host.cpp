#include "runtime/instance_host.hpp"

#include "logging/logging.hpp"
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

// Strings handed to a plugin are malloc'ed so that free_string is a plain free() and a C
// plugin could even be told to use free() directly in a later minor version.
char *duplicate(const std::string &text) {
    char *out = static_cast<char *>(std::malloc(text.size() + 1));
    if (out != nullptr) std::memcpy(out, text.c_str(), text.size() + 1);
    return out;
}

// Runs a service call, converting every outcome into a status and an owned string.
template <class Fn> tllm_status serve(char **out_json, Fn &&fn) noexcept {
    if (out_json == nullptr) return TLLM_ERR_INVALID_ARGUMENT;
    *out_json = nullptr;
    try {
        *out_json = duplicate(fn());
        return *out_json != nullptr ? TLLM_OK : TLLM_ERR_INTERNAL;
    } catch (const Error &e) {
        *out_json = duplicate(e.what());
        return to_status(e.code());
    } catch (const std::exception &e) {
        *out_json = duplicate(e.what());
    } catch (...) {
        *out_json = duplicate("unknown error");
    }
    return TLLM_ERR_INTERNAL;
}

} // namespace

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
    host_.chat = [](const tllm_host *h, const tllm_call *call, const char *request, char **out) {
        return serve(out, [&] {
            if (self(h)->services_ == nullptr || call == nullptr || request == nullptr) {
                throw Error(ErrorCode::unsupported, "model calls are not available here");
            }
            return self(h)->services_->chat(call, request);
        });
    };
    host_.call_tool = [](const tllm_host *h, const tllm_call *call, const char *tool,
                         const char *arguments, char **out) {
        return serve(out, [&] {
            if (self(h)->services_ == nullptr || call == nullptr || tool == nullptr) {
                throw Error(ErrorCode::unsupported, "tool calls are not available here");
            }
            return self(h)->services_->call_tool(call, tool, arguments ? arguments : "{}");
        });
    };
    host_.free_string = [](const tllm_host *, char *s) { std::free(s); };
    host_.describe_tool = [](const tllm_host *h, const char *tool, char **out) {
        return serve(out, [&] {
            if (self(h)->services_ == nullptr || tool == nullptr) {
                throw Error(ErrorCode::unsupported, "tools are not available here");
            }
            return self(h)->services_->describe_tool(tool);
        });
    };
}

InstanceHost *InstanceHost::self(const tllm_host *host) noexcept {
    return static_cast<InstanceHost *>(host->host_data);
}

} // namespace tinyllm::runtime
