// The tool-use loop of a model node: the configured tools' definitions go into the chat
// request's tools; while the model answers with tool calls, each call is run through the host
// (which validates the arguments against the tool's schema and records the call in the trace)
// and its result goes back as a `role: tool` message, up to a bound on the rounds.
#pragma once

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <string>
#include <vector>

namespace tinyllm::node {

// How a tool loop ended: the model's answer, or tool calls only the client can run.
struct ToolLoopEnd {
    std::string content;
    std::string client_calls; // JSON array of the calls of request tools; "" for an answer
};

class ToolLoop {
public:
    // Only keeps the names: tools exist once every component is created, so they are looked up
    // in activate().
    ToolLoop(sdk::Host host, std::vector<std::string> names, int64_t max_rounds);

    bool empty() const noexcept { return names_.empty(); }

    // Describes the tools for the model, once, before the first run. Throws
    // sdk::Error(INVALID_ARGUMENT) "tools: ..." for a name no tool has.
    void activate();

    // Sends `request` with the tools' definitions until the model answers without tool calls,
    // and returns the content of that final answer. `request_tools`: the definitions a client
    // sent with its request (data.tools; null for none), offered too; when the model calls one,
    // the loop ends with those calls for the client to run (the node's own tools called in the
    // same round are not run: the model asks again once it has the client's results). Throws
    // sdk::Error(INVALID_ARGUMENT) for a request tool named like one of the node's own.
    ToolLoopEnd run(sdk::Call &call, sdk::ChatRequest request,
                    const json::Value *request_tools = nullptr) const;

private:
    // The text the model reads for one tool call: the result's content, or the error.
    std::string execute(sdk::Call &call, const std::string &name,
                        const json::Value *function) const;
    // The tools' definitions with the request's appended; their names into `client`.
    std::string definitions_with(const json::Value *request_tools,
                                 std::vector<std::string> &client) const;

    sdk::Host host_;
    std::vector<std::string> names_;
    int64_t max_rounds_;
    std::string definitions_; // JSON array of the tools' definitions, from activate()
};

} // namespace tinyllm::node
