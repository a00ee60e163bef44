// The tllm_host a component instance receives: logging tagged with the instance, and the
// services (tinyllm.chat/1, tinyllm.tools/1, tinyllm.json/1, tinyllm.prompts/1,
// tinyllm.models/1, tinyllm.judges/1) routed back into the host.
#pragma once

#include "messages/chat.hpp"
#include "runtime/call_context.hpp"

#include <tinyllm/plugin.h>

#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string>

namespace tinyllm::runtime {

// What an instance may ask of the host; implemented by the Runtime.
class HostServices {
public:
    virtual ~HostServices() = default;

    // One chat call for a plugin; `request.model` is a models.yaml name ("" = default_model).
    // Returns the checked response or throws tinyllm::Error.
    virtual messages::ChatResponse chat(const tllm_call *call, messages::ChatRequest request) = 0;

    // Invokes a tool; returns its result JSON or throws tinyllm::Error.
    virtual std::string call_tool(const tllm_call *call, const std::string &tool,
                                  const std::string &arguments_json) = 0;
    // {"type":"function","function":{...}} for a chat request's "tools".
    virtual std::string describe_tool(const std::string &tool) = 0;

    // The prompt file `id` as tinyllm.prompts/1 describes it (JSON); throws Error.
    virtual std::string prompt(const std::string &id) {
        throw Error(ErrorCode::unsupported,
                    "no prompt \"" + id + "\": prompts are not loaded here");
    }
    // The ladder of `role` (JSON array of model names, smallest first); throws Error.
    virtual std::string role_models(const std::string &role, const std::string & /*min_size*/) {
        throw Error(ErrorCode::unsupported,
                    "no models for role \"" + role + "\": models.yaml is not loaded here");
    }
    // Embeddings of `texts_json` (a JSON array of strings) with `model` ("" = default_model):
    // {"model","dimensions","embeddings":[[...]]}; throws Error.
    virtual std::string embed(const tllm_call * /*call*/, const std::string & /*model*/,
                              const std::string & /*texts_json*/) {
        throw Error(ErrorCode::unsupported, "embeddings are not available here");
    }

    // Grade with a judge by name ("" = the default judge): the checked verdict JSON, or throws
    // Error. compare is the pairwise form (tinyllm.judges/1).
    virtual std::string grade(const tllm_call * /*call*/, const std::string & /*judge*/,
                              const std::string & /*request_json*/) {
        throw Error(ErrorCode::unsupported, "judges are not available here");
    }
    virtual std::string compare(const tllm_call * /*call*/, const std::string & /*judge*/,
                                const std::string & /*request_json*/) {
        throw Error(ErrorCode::unsupported, "judges are not available here");
    }

    // Creates and activates every tool and judge a node may call, on the calling thread: done
    // once before the nodes of a graph activate, so none is ever created on a run's thread.
    virtual void prepare_components() {}

    // The deadline of one component's activate call (none by default).
    virtual std::optional<Clock::time_point> activation_deadline() const { return std::nullopt; }
    // Offline services make no model call: chat, embed (and the judges that would call a model)
    // fail with ErrorCode::unavailable before contacting a server. `graph validate` and `config
    // check` load a graph as a run does with offline services.
    virtual bool offline() const { return false; }
};

class InstanceHost {
public:
    // `services` may be null for instances created outside a runtime (plugins inspect); their
    // model and tool calls then fail with a clear error.
    InstanceHost(std::string log_name, HostServices *services);
    InstanceHost(const InstanceHost &) = delete;
    InstanceHost &operator=(const InstanceHost &) = delete;

    const tllm_host *raw() const noexcept { return &host_; }
    spdlog::logger &logger() const noexcept { return *logger_; }

    // The services behind a tllm_host this class made, or null when there are none.
    static HostServices *services_of(const tllm_host *host) noexcept;

private:
    static InstanceHost *self(const tllm_host *host) noexcept;

    tllm_host host_{};
    std::shared_ptr<spdlog::logger> logger_;
    HostServices *services_;
};

// Strings handed to a plugin are malloc'ed, NUL-terminated and whole even when the text holds a
// NUL byte (a size says where it ends); tllm_host.free_string is a plain free(). Null when out of
// memory.
char *duplicate_for_plugin(std::string_view text) noexcept;

} // namespace tinyllm::runtime
