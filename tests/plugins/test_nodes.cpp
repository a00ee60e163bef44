// Test node components (tinyllm.node/1) for the graph tests: one .so, tinyllm-test-nodes.so, with
// a node per behaviour an executor must handle — pass-through, routing, failing N times,
// sleeping until cancelled, throwing, malformed output, model calls, tool calls (the tool
// described in activate), declared routes.
#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

using tinyllm::sdk::Call;
using tinyllm::sdk::Error;
using tinyllm::sdk::Host;
namespace json = tinyllm::json;

json::Document parse_config(std::string_view text) {
    try {
        return json::parse_object(text, "config");
    } catch (const std::exception &e) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
    }
}

json::Document parse_message(std::string_view text) {
    try {
        return json::parse_object(text, "message");
    } catch (const std::exception &e) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
    }
}

// {"message": <message>} plus "route" when given.
std::string output(const json::Value &message, const std::string *route = nullptr) {
    json::Document out(rapidjson::kObjectType);
    auto &a = out.GetAllocator();
    out.AddMember("message", json::Value(message, a), a);
    if (route != nullptr) out.AddMember("route", json::string_value(*route, a), a);
    return json::to_string(out);
}

void set_member(json::Value &object, std::string_view key, json::Value value, json::Allocator &a) {
    if (auto it = object.FindMember(json::string_value(key, a)); it != object.MemberEnd()) {
        it->value = value;
    } else {
        object.AddMember(json::string_value(key, a), value, a);
    }
}

class Noop final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "noop";
    static constexpr const char *kDescription = "returns the message unchanged";
    static constexpr const char *kConfigSchema =
        R"({"type":"object","additionalProperties":false,"properties":{}})";
    Noop(Host, std::string_view) {}
    std::string process(Call &, std::string_view message) override {
        return output(parse_message(message));
    }
};

class Set final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "set";
    static constexpr const char *kDescription = "merges config.fields into the message";
    static constexpr const char *kConfigSchema = R"({
      "type": "object", "additionalProperties": false,
      "properties": {
        "fields": {"description": "Members set on the message (replacing existing ones).",
                   "type": "object", "default": {}},
        "route": {"description": "Route returned with the message; absent = none.",
                  "type": "string"}
      }})";
    Set(Host, std::string_view config) : config_(parse_config(config)) {}
    std::string process(Call &, std::string_view message_json) override {
        json::Document message = parse_message(message_json);
        auto &a = message.GetAllocator();
        for (const auto &field : config_["fields"].GetObject()) {
            set_member(message, {field.name.GetString(), field.name.GetStringLength()},
                       json::Value(field.value, a), a);
        }
        const auto route = json::get_string(config_, "route");
        return output(message, route ? &*route : nullptr);
    }

private:
    json::Document config_;
};

class RouteBy final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "route_by";
    static constexpr const char *kDescription = "routes by a string field of the message";
    static constexpr const char *kConfigSchema = R"({
      "type": "object", "additionalProperties": false,
      "properties": {
        "field": {"description": "The message member whose string value is the route.",
                  "type": "string", "minLength": 1, "default": "content"}
      }})";
    RouteBy(Host, std::string_view config)
        : field_(json::get_string(parse_config(config), "field").value_or("content")) {}
    std::string process(Call &, std::string_view message_json) override {
        const json::Document message = parse_message(message_json);
        const std::string route = json::get_string(message, field_).value_or("");
        return output(message, &route);
    }

private:
    std::string field_;
};

tllm_status status_named(const std::string &name) {
    static const std::map<std::string, tllm_status> statuses = {
        {"invalid_argument", TLLM_ERR_INVALID_ARGUMENT},
        {"not_found", TLLM_ERR_NOT_FOUND},
        {"unavailable", TLLM_ERR_UNAVAILABLE},
        {"timeout", TLLM_ERR_TIMEOUT},
        {"cancelled", TLLM_ERR_CANCELLED},
        {"protocol", TLLM_ERR_PROTOCOL},
        {"unsupported", TLLM_ERR_UNSUPPORTED},
        {"remote", TLLM_ERR_REMOTE},
        {"internal", TLLM_ERR_INTERNAL}};
    const auto it = statuses.find(name);
    return it == statuses.end() ? TLLM_ERR_INTERNAL : it->second;
}

// Fails its first `times` calls (per instance, counted atomically so concurrent runs and
// retries see one sequence), then passes the message through; or fails to be created at all.
class Fail final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "fail";
    static constexpr const char *kDescription = "fails the first N calls with a status";
    static constexpr const char *kConfigSchema = R"({
      "type": "object", "additionalProperties": false,
      "properties": {
        "times": {"description": "Calls that fail before one succeeds; -1 = every call.",
                  "type": "integer", "minimum": -1, "default": -1},
        "status": {"description": "The status of the failures.",
                   "enum": ["invalid_argument", "not_found", "unavailable", "timeout",
                            "cancelled", "protocol", "unsupported", "remote", "internal"],
                   "default": "unavailable"},
        "on_create": {"description": "Refuse to create the instance instead (invalid_argument).",
                      "type": "boolean", "default": false}
      }})";
    Fail(Host, std::string_view config) {
        const json::Document c = parse_config(config);
        if (json::get_bool(c, "on_create").value_or(false)) {
            throw Error(TLLM_ERR_INVALID_ARGUMENT, "fail node: refusing to be created");
        }
        times_ = json::get_int(c, "times").value_or(-1);
        status_name_ = json::get_string(c, "status").value_or("unavailable");
        status_ = status_named(status_name_);
    }
    std::string process(Call &, std::string_view message) override {
        const int64_t call = calls_.fetch_add(1) + 1;
        if (times_ < 0 || call <= times_) {
            throw Error(status_,
                        "fail node: " + status_name_ + " (call " + std::to_string(call) + ")");
        }
        return output(parse_message(message));
    }

private:
    int64_t times_ = -1;
    std::string status_name_;
    tllm_status status_ = TLLM_ERR_UNAVAILABLE;
    std::atomic<int64_t> calls_{0};
};

class Sleep final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "sleep";
    static constexpr const char *kDescription = "sleeps, then returns the message; cancellable";
    static constexpr const char *kConfigSchema = R"({
      "type": "object", "additionalProperties": false,
      "properties": {
        "ms": {"description": "How long to sleep in milliseconds.",
               "type": "integer", "minimum": 0, "default": 100}
      }})";
    Sleep(Host, std::string_view config)
        : ms_(json::get_int(parse_config(config), "ms").value_or(100)) {}
    std::string process(Call &call, std::string_view message) override {
        // Small steps, so cancellation (a timeout, a lost first_success race) is seen quickly.
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms_);
        while (std::chrono::steady_clock::now() < until) {
            call.check_cancelled();
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        call.check_cancelled();
        return output(parse_message(message));
    }

private:
    int64_t ms_;
};

// Sleeps like `sleep`, counting the gauge calls in progress (across the plugin): the content
// becomes the most it saw at once while it ran, so a fan-out's merged contents tell how many
// branches ran in parallel.
class Gauge final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "gauge";
    static constexpr const char *kDescription =
        "sleeps; its content is the most gauge calls it saw in progress at once";
    static constexpr const char *kConfigSchema = R"({
      "type": "object", "additionalProperties": false,
      "properties": {"ms": {"type": "integer", "minimum": 0, "default": 20}}})";
    Gauge(Host, std::string_view config)
        : ms_(json::get_int(parse_config(config), "ms").value_or(20)) {}
    std::string process(Call &call, std::string_view message) override {
        int seen = ++in_progress_;
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms_);
        while (std::chrono::steady_clock::now() < until) {
            seen = std::max(seen, in_progress_.load());
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        --in_progress_;
        call.check_cancelled();
        json::Document m = parse_message(message);
        set_member(m, "content", json::string_value(std::to_string(seen), m.GetAllocator()),
                   m.GetAllocator());
        return output(m);
    }

private:
    static inline std::atomic<int> in_progress_{0};
    int64_t ms_;
};

class Throw final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "throw";
    static constexpr const char *kDescription = "throws std::runtime_error (a plugin bug)";
    static constexpr const char *kConfigSchema =
        R"({"type":"object","additionalProperties":false,"properties":{}})";
    Throw(Host, std::string_view) {}
    std::string process(Call &, std::string_view) override {
        throw std::runtime_error("throw node: boom");
    }
};

// Output that breaks the node contract, one way per mode.
class BadJson final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "bad_json";
    static constexpr const char *kDescription = "returns output that breaks the node contract";
    static constexpr const char *kConfigSchema = R"({
      "type": "object", "additionalProperties": false,
      "properties": {
        "mode": {"description": "How the output is wrong; each name says it.",
                 "enum": ["not_json", "not_object", "no_message", "message_not_object",
                          "route_not_string"],
                 "default": "not_json"}
      }})";
    BadJson(Host, std::string_view config)
        : mode_(json::get_string(parse_config(config), "mode").value_or("not_json")) {}
    std::string process(Call &, std::string_view message) override {
        if (mode_ == "not_object") return "[1, 2, 3]";
        if (mode_ == "no_message") return R"({"route": "x"})";
        if (mode_ == "message_not_object") return R"({"message": "text"})";
        if (mode_ == "route_not_string") {
            return "{\"message\":" + std::string(message) + ",\"route\":7}";
        }
        return "{this is not json";
    }

private:
    std::string mode_;
};

// Returns its configured output verbatim, whatever the message: a node output of any shape,
// including ones YAML cannot say (duplicate or escaped member names).
class Fixed final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "fixed";
    static constexpr const char *kDescription = "returns config.output as its output, verbatim";
    static constexpr const char *kConfigSchema = R"({
      "type": "object", "additionalProperties": false, "required": ["output"],
      "properties": {
        "output": {"description": "The output text, e.g. {\"set\": {\"content\": \"x\"}}.",
                   "type": "string"}
      }})";
    Fixed(Host, std::string_view config)
        : output_(json::get_string(parse_config(config), "output").value_or("")) {}
    std::string process(Call &, std::string_view) override { return output_; }

private:
    std::string output_;
};

class Append final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "append";
    static constexpr const char *kDescription = "appends text to message.content";
    static constexpr const char *kConfigSchema = R"({
      "type": "object", "additionalProperties": false,
      "properties": {
        "text": {"description": "Appended to content (which starts empty when absent).",
                 "type": "string", "default": "", "x-env": "TINYLLM_TEST_APPEND_TEXT"}
      }})";
    Append(Host, std::string_view config)
        : text_(json::get_string(parse_config(config), "text").value_or("")) {}
    std::string process(Call &, std::string_view message_json) override {
        json::Document message = parse_message(message_json);
        auto &a = message.GetAllocator();
        const std::string content = json::get_string(message, "content").value_or("") + text_;
        set_member(message, "content", json::string_value(content, a), a);
        return output(message);
    }

private:
    std::string text_;
};

// A model call through the host's chat service, streamed, so executor tests see tokens and
// trace records.
class AskModel final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "ask_model";
    static constexpr const char *kDescription = "asks a model message.content; answer in content";
    static constexpr const char *kConfigSchema = R"({
      "type": "object", "additionalProperties": false,
      "properties": {
        "model": {"description": "The model to ask; absent = the default model.",
                  "type": "string", "minLength": 1}
      }})";
    AskModel(Host host, std::string_view config)
        : host_(host), model_(json::get_string(parse_config(config), "model").value_or("")) {}
    std::string process(Call &call, std::string_view message_json) override {
        json::Document message = parse_message(message_json);
        auto &a = message.GetAllocator();
        tinyllm::sdk::ChatRequest request;
        request.model = model_; // empty: the default model
        request.messages.push_back(
            {"user", json::get_string(message, "content").value_or(""), {}, {}});
        request.stream = true;
        const std::string answer = host_.chat(call, request).content;
        set_member(message, "content", json::string_value(answer, a), a);
        return output(message);
    }

private:
    Host host_;
    std::string model_;
};

// Calls a tool through the host's tools service. activate() describes the tool (so an unknown
// tool fails activation, naming it, before any run: a config error, as for the model node);
// process() calls it with {"text": content} (or config.arguments) and sets content to the tool's
// "content" and route to the tool's name as its definition gave it.
class UseTool final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "use_tool";
    static constexpr const char *kDescription =
        "calls config.tool (described in activate); its result's content becomes content";
    static constexpr const char *kConfigSchema = R"({
      "type": "object", "additionalProperties": false, "required": ["tool"],
      "properties": {
        "tool": {"description": "The tool to call.", "type": "string", "minLength": 1},
        "arguments": {"description": "The arguments; absent = {\"text\": <message content>}.",
                      "type": "object"}
      }})";
    UseTool(Host host, std::string_view config) : host_(host) {
        const json::Document c = parse_config(config);
        tool_ = json::get_string(c, "tool").value_or("");
        if (const json::Value *args = json::find(c, "arguments"))
            arguments_ = json::to_string(*args);
    }
    void activate(Call &) override {
        std::string text;
        try {
            text = host_.describe_tool(tool_);
        } catch (const Error &e) {
            // A tool the config names that does not exist is the config's fault, as the model
            // node reports it (TLLM_ERR_INVALID_ARGUMENT: the host makes it a config error).
            if (e.status() != TLLM_ERR_NOT_FOUND) throw;
            throw Error(TLLM_ERR_INVALID_ARGUMENT, std::string("tool: ") + e.what());
        }
        const json::Document definition = json::parse_object(text, "the tool's definition");
        const json::Value *function = json::find(definition, "function");
        if (function == nullptr || !function->IsObject()) {
            throw Error(TLLM_ERR_PROTOCOL, "use_tool: a definition without \"function\"");
        }
        name_ = json::get_string(*function, "name").value_or("");
    }
    std::string process(Call &call, std::string_view message_json) override {
        if (name_.empty()) throw Error(TLLM_ERR_INTERNAL, "use_tool: process before activate");
        json::Document message = parse_message(message_json);
        auto &a = message.GetAllocator();
        std::string arguments = arguments_;
        if (arguments.empty()) {
            json::Document args(rapidjson::kObjectType);
            args.AddMember("text",
                           json::string_value(json::get_string(message, "content").value_or(""),
                                              args.GetAllocator()),
                           args.GetAllocator());
            arguments = json::to_string(args);
        }
        const json::Document result =
            json::parse_object(host_.call_tool(call, tool_, arguments), "the tool's result");
        set_member(message, "content",
                   json::string_value(json::get_string(result, "content").value_or(""), a), a);
        return output(message, &name_);
    }

private:
    Host host_;
    std::string tool_;
    std::string arguments_; // JSON, or empty
    std::string name_;      // from the definition activate() read
};

// Declares config.routes (the SDK's routes(); none = not declared) and returns config.route,
// whatever the message: for the build-time check of declared routes against edges.
class RoutesFixed final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "routes_fixed";
    static constexpr const char *kDescription = "declares config.routes and returns config.route";
    static constexpr const char *kConfigSchema = R"({
      "type": "object", "additionalProperties": false,
      "properties": {
        "routes": {"description": "The routes declared; empty = not declared.",
                   "type": "array", "items": {"type": "string"}, "default": []},
        "route": {"description": "The route returned; empty = none.",
                  "type": "string", "default": ""}
      }})";
    RoutesFixed(Host, std::string_view config) {
        const json::Document c = parse_config(config);
        route_ = json::get_string(c, "route").value_or("");
        if (const json::Value *routes = json::find(c, "routes"); routes && routes->IsArray()) {
            for (const json::Value &r : routes->GetArray())
                routes_.emplace_back(r.GetString(), r.GetStringLength());
        }
    }
    std::string process(Call &, std::string_view) override {
        json::Document out(rapidjson::kObjectType);
        auto &a = out.GetAllocator();
        out.AddMember("set", json::Value(rapidjson::kObjectType), a);
        if (!route_.empty()) out.AddMember("route", json::string_value(route_, a), a);
        return json::to_string(out);
    }
    std::vector<std::string> routes() const override { return routes_; }

private:
    std::vector<std::string> routes_;
    std::string route_;
};

constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.tinyllm.test.nodes",
    .name = "Test nodes",
    .version = "1.0.0",
    .description = "Node components with scripted behaviour, for the graph tests",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

TINYLLM_PLUGIN(kInfo, Noop, Set, RouteBy, Fail, Sleep, Gauge, Throw, BadJson, Fixed, Append,
               AskModel, UseTool, RoutesFixed)
