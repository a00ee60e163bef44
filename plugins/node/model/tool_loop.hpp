// The tool-use loop of a model node: the configured tools' definitions go into the chat
// request's "tools"; while the model answers with tool_calls, each call is run through the host
// (which validates the arguments against the tool's schema and records the call in the trace)
// and its result goes back as a `role: tool` message, up to a bound on the rounds.
#pragma once

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <mutex>
#include <string>
#include <vector>

namespace tinyllm::node {

class ToolLoop {
public:
    // Looks the tools up now, so that a name no tool has fails when the graph is built.
    // Throws sdk::Error(INVALID_ARGUMENT) for an unknown tool.
    ToolLoop(sdk::Host host, std::vector<std::string> names, int64_t max_rounds);

    bool empty() const noexcept { return names_.empty(); }

    // Sends `request` (a chat request) with the tools' definitions until the model answers
    // without tool calls, and returns the content of that final answer. For a node with tools
    // (a node without any asks the host directly).
    std::string run(sdk::Call &call, const std::string &request);

private:
    const json::Value &definitions();
    // The text the model reads for one tool call: the result's content, or the error.
    std::string execute(sdk::Call &call, const json::Value &tool_call);

    sdk::Host host_;
    std::vector<std::string> names_;
    int64_t max_rounds_;
    std::mutex mutex_; // guards a deferred lookup of the definitions
    bool described_ = false;
    json::Document definitions_;
};

} // namespace tinyllm::node
