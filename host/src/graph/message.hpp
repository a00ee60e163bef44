// The messages a graph passes between its nodes: the first message of a run, and how a node's
// output becomes the next message (the executor's one reading of node outputs, also used by
// `tinyllm node`).
#pragma once

#include "graph/graph.hpp"
#include "tinyllm/json.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::graph {

// A message between nodes: its text (what crosses the ABI and goes into the trace), parsed only
// when something needs the document (a condition, a fan-out's merge).
class Message {
public:
    Message() = default;
    explicit Message(std::string text, std::optional<std::string> content = std::nullopt,
                     std::optional<std::string> route = std::nullopt)
        : text_(std::move(text)), content_(std::move(content)), route_(std::move(route)) {}
    explicit Message(json::Document doc) : doc_(std::move(doc)) { text_ = json::to_string(*doc_); }

    const std::string &text() const { return text_; }
    std::string &&take_text() { return std::move(text_); }
    const json::Document &doc() const {
        if (!doc_) doc_ = json::parse(text_, "message");
        return *doc_;
    }
    std::string content() const {
        if (content_) return *content_;
        return json::get_string(doc(), "content").value_or("");
    }
    std::string route() const {
        if (route_) return *route_;
        return json::get_string(doc(), "route").value_or("");
    }
    std::string take_content() {
        if (content_) return std::move(*content_);
        return content();
    }

private:
    std::string text_;
    std::optional<std::string> content_; // known without parsing (a run's first message)
    std::optional<std::string> route_;   // likewise
    mutable std::optional<json::Document> doc_;
};

// The output's message and route as the next node and the trace get them.
struct NodeOutput {
    Message message;
    std::string route;
};

// Reads `output` (a node's answer to `input`) as the executor does: {"message": {...}} is the new
// message, {"set": {...}} puts its members into `input`, {"patch": {...}} merges into it (RFC
// 7386); a top-level "route" goes into the
// message and "attempt" becomes `visit`. Throws Error(protocol) naming `def` for any other shape.
NodeOutput parse_node_output(const std::string &output, const Message &input, const NodeDef &def,
                             int visit);

// A node's output applied to the message the node was given, as the executor does between
// nodes: {"message": {...}} is the new message, {"set": {...}} puts its members into
// `input_message`; a top-level "route" goes into the message and "attempt" becomes `visit`.
// `route` is the resulting message's route. Throws Error(protocol) naming `def` for an output of
// any other shape.
struct AppliedOutput {
    std::string message; // JSON text
    std::string route;
};
AppliedOutput apply_node_output(const std::string &output, const std::string &input_message,
                                const NodeDef &def, int visit);

// The first message of a run: {"input": input, "content": input, "route": "", "attempt": 1,
// "data": data}; `data` is the text of a JSON object (what a caller knows beyond the input: a
// chat's earlier messages, as `tinyllm serve` passes them).
std::string initial_message(const std::string &input, std::string_view data = "{}");

} // namespace tinyllm::graph
