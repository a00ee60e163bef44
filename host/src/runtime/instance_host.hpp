// The tllm_host a component instance receives: logging tagged with the instance, and the
// services (model calls, tool calls) routed back into the host.
#pragma once

#include "messages/chat.hpp"

#include <tinyllm/plugin.h>

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>

namespace tinyllm::runtime {

// What an instance may ask of the host; implemented by the Runtime.
class HostServices {
public:
    virtual ~HostServices() = default;
    // Both return the result JSON or throw tinyllm::Error.
    virtual std::string chat(const tllm_call *call, const std::string &request_json) = 0;

    // The answer of a chat from C data: message.content and the whole response.
    struct ChatAnswer {
        std::string content;
        std::string response;
    };
    // A chat from C data (tllm_host.chat_messages), already checked; throws tinyllm::Error.
    // By default the request is written as JSON and goes through chat(); the Runtime writes it
    // with the model's configuration in one go.
    virtual ChatAnswer chat_messages(const tllm_call *call, const messages::TextChat &request);

    virtual std::string call_tool(const tllm_call *call, const std::string &tool,
                                  const std::string &arguments_json) = 0;
    // {"type":"function","function":{...}} for a chat request's "tools".
    virtual std::string describe_tool(const std::string &tool) = 0;
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

private:
    static InstanceHost *self(const tllm_host *host) noexcept;

    tllm_host host_{};
    std::shared_ptr<spdlog::logger> logger_;
    HostServices *services_;
};

} // namespace tinyllm::runtime
