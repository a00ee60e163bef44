// The model node: asks a model (through the host, so models.yaml decides the backend and its
// options) and puts the answer into the message's content. Prompts are Mustache templates over
// the message's fields, written in the node's config or in a prompt file (prompt_id). A node
// that asks for a role gets the role's ladder of models: a gate's escalation (data.escalation)
// sends the request to a bigger one.
#include "tinyllm/prompt_template.hpp"
#include "tool_loop.hpp"

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <algorithm>
#include <optional>

namespace {

using tinyllm::ErrorCode;
namespace json = tinyllm::json;
using tinyllm::sdk::Error;

constexpr const char *kSchema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "model": {"type": ["string", "object"], "default": "",
              "additionalProperties": false,
              "properties": {
                "role": {"type": "string", "minLength": 1,
                         "description": "A models.yaml role: the role's smallest model, and bigger ones when a gate escalates."},
                "min_size": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?[mMbB]$",
                             "description": "Only models of at least this size (1.5b)."}
              },
              "required": ["role"],
              "description": "A models.yaml model name, or {role: math} for the role's ladder of models (smallest first; a gate's escalation climbs it). Empty: the prompt file's role, else default_model."},
    "prompt_id": {"type": "string", "default": "",
                  "description": "A prompt file (tinyllm prompts list) giving the system prompt, the user template, examples, format and the model's role; instead of system and prompt."},
    "system": {"type": "string",
               "description": "System prompt (a Mustache template over the message); not with prompt_id."},
    "prompt": {"type": "string",
               "description": "User prompt (a Mustache template over the message: {{input}}, {{content}}, {{feedback}}, {{data.x}}); default {{content}}; not with prompt_id."},
    "options": {"type": "object", "default": {},
                "description": "Model options for this node (temperature, seed, num_predict...); they override models.yaml's."},
    "format": {"type": ["string", "object"],
               "description": "\"json\" or a JSON Schema the answer must follow (default: the prompt file's)."},
    "think": {"type": "boolean", "description": "Let a thinking model think first."},
    "stream": {"type": "boolean", "default": true,
               "description": "Stream tokens while the model answers."},
    "tools": {"type": "array", "default": [], "uniqueItems": true,
              "items": {"type": "string", "minLength": 1},
              "description": "Tools the model may call (`tinyllm tool list`); their results go back to the model until it answers."},
    "max_tool_rounds": {"type": "integer", "minimum": 1, "maximum": 64, "default": 4,
                        "description": "How many times the model may ask for tools before the node fails."},
    "request_tools": {"type": "boolean", "default": false,
                      "description": "Also offer the model the tools a client sent with its request (data.tools: `tinyllm serve`, a graph that sets request_tools). A call of one ends the node with route \"tool_calls\" and the calls in data.tool_calls, for the client to run; its next request brings the results (data.tool_turns), which the model reads after the prompt."},
    "history": {"type": "boolean", "default": false,
                "description": "Send the conversation's earlier messages (data.history: what a `tinyllm serve` client sent before its last message) to the model as turns before the prompt, so that it answers within the conversation."},
    "request_format": {"type": "boolean", "default": false,
                       "description": "Answer in the format a client asked for (data.format: Ollama's format, OpenAI's response_format, under `tinyllm serve`, a graph that sets request_format) instead of this node's format."}
  }
})json";

class ModelNode final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "model";
    static constexpr const char *kDescription =
        "asks a model (a prompt file or templates over the message) and sets content to the answer";
    static constexpr const char *kConfigSchema = kSchema;

    ModelNode(tinyllm::sdk::Host host, std::string_view config_json)
        : host_(host), config_(parse_config(config_json)),
          prompt_id_(json::get_string(config_, "prompt_id").value_or("")),
          stream_(json::get_bool(config_, "stream").value_or(true)),
          options_(member_text(config_, "options")), format_(member_text(config_, "format")),
          think_(think_of(json::get_bool(config_, "think"))),
          tools_(host, tool_names(config_), json::get_int(config_, "max_tool_rounds").value_or(4)),
          request_tools_(json::get_bool(config_, "request_tools").value_or(false)),
          history_(json::get_bool(config_, "history").value_or(false)),
          request_format_(json::get_bool(config_, "request_format").value_or(false)) {
        const std::optional<std::string> system = json::get_string(config_, "system");
        const std::optional<std::string> prompt = json::get_string(config_, "prompt");
        if (!prompt_id_.empty() && (system || prompt)) {
            throw Error(TLLM_ERR_INVALID_ARGUMENT,
                        std::string(system ? "system" : "prompt") +
                            ": not with prompt_id (the prompt file has its own)");
        }
        if (prompt_id_.empty()) {
            system_.emplace(make_template(system.value_or(""), "system"));
            prompt_.emplace(make_template(prompt.value_or("{{content}}"), "prompt"));
        }
        if (const json::Value *model = json::find(config_, "model"); model && model->IsObject()) {
            role_ = json::get_string(*model, "role").value_or("");
            min_size_ = json::get_string(*model, "min_size").value_or("");
        } else {
            model_name_ = json::get_string(config_, "model").value_or("");
        }
    }

    void activate(tinyllm::sdk::Call &) override {
        if (!prompt_id_.empty()) load_prompt();
        if (!role_.empty()) {
            ladder_ = host_.role_models(role_, min_size_); // throws naming the role
        } else {
            ladder_ = {model_name_}; // "" is default_model
        }
        tools_.activate();
    }

    std::string process(tinyllm::sdk::Call &call, std::string_view message_json) override {
        const json::Document message = parse_message(message_json);
        check_variables(message);
        const size_t rung = rung_for(message);
        const json::Value *data = json::find(message, "data");
        tinyllm::sdk::ChatRequest request =
            request_for(system_->render(message), prompt_->render(message), data);
        request.model = ladder_[rung];
        const json::Value *offered =
            request_tools_ && data != nullptr ? json::find(*data, "tools") : nullptr;
        if (offered != nullptr && (!offered->IsArray() || offered->Empty())) offered = nullptr;
        tinyllm::node::ToolLoopEnd end =
            tools_.empty() && offered == nullptr
                ? tinyllm::node::ToolLoopEnd{host_.chat(call, request).content, {}}
                : tools_.run(call, std::move(request), offered);
        return output_of(end, rung);
    }

private:
    static json::Document parse_message(std::string_view text) {
        try {
            return json::parse_object(text, "message", ErrorCode::invalid_argument);
        } catch (const tinyllm::Error &e) {
            throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what()); // not "internal" at the ABI
        }
    }

    // The prompt file's parts, in place of the node's own system and prompt.
    void load_prompt() {
        json::Document p;
        try {
            p = json::parse_object(host_.prompt(prompt_id_), "prompt", ErrorCode::protocol);
        } catch (const tinyllm::Error &e) {
            throw Error(TLLM_ERR_PROTOCOL, "prompt_id: " + prompt_id_ + ": " + e.what());
        }
        system_.emplace(make_template(json::get_string(p, "system").value_or(""), "system"));
        prompt_.emplace(make_template(json::get_string(p, "template").value_or(""), "template"));
        if (format_.empty()) format_ = member_text(p, "format");
        if (const json::Value *examples = json::find(p, "examples");
            examples && examples->IsArray()) {
            for (const auto &e : examples->GetArray()) {
                examples_.push_back({"user", json::get_string(e, "input").value_or(""), {}, {}});
                examples_.push_back(
                    {"assistant", json::get_string(e, "output").value_or(""), {}, {}});
            }
        }
        if (const json::Value *vars = json::find(p, "variables"); vars && vars->IsObject()) {
            for (const auto &v : vars->GetObject()) {
                if (!json::get_bool(v.value, "required").value_or(true)) continue;
                required_.push_back({std::string(v.name.GetString(), v.name.GetStringLength()),
                                     json::get_string(v.value, "description").value_or("")});
            }
        }
        // A node that names no model takes the prompt's role, so that the prompt file says
        // which kind of model it was written for.
        if (role_.empty() && model_name_.empty()) {
            if (const json::Value *model = json::find(p, "model")) {
                role_ = json::get_string(*model, "role").value_or("");
                min_size_ = json::get_string(*model, "min_size").value_or("");
            }
        }
    }

    // A required variable the message lacks is an error, never an empty string in the prompt.
    void check_variables(const json::Value &message) const {
        for (const auto &[name, description] : required_) {
            const json::Value *value = json::find(message, name);
            if (value == nullptr || value->IsNull()) {
                throw Error(TLLM_ERR_INVALID_ARGUMENT,
                            "prompt " + prompt_id_ + " needs the variable \"" + name + "\"" +
                                (description.empty() ? "" : " (" + description + ")") +
                                ", which the message does not have");
            }
        }
    }

    // How far up the role's ladder this request goes: data.escalation, which a quality gate
    // raises each time it sends a request up, capped at the biggest model.
    size_t rung_for(const json::Value &message) const {
        if (ladder_.size() < 2) return 0;
        const json::Value *data = json::find(message, "data");
        const int64_t steps = data != nullptr ? json::get_int(*data, "escalation").value_or(0) : 0;
        return static_cast<size_t>(
            std::clamp<int64_t>(steps, 0, static_cast<int64_t>(ladder_.size()) - 1));
    }

    // The message with the answer as its content: only the change goes back (the host puts it
    // into the message it holds). A node on a role's ladder also sets data.model, so a gate knows
    // whether a bigger model of the role is left to ask; one that offers request tools sets
    // data.tool_calls (null, removing an earlier one, for an answer in words) and, handing calls
    // to the client, route "tool_calls".
    std::string output_of(const tinyllm::node::ToolLoopEnd &end, size_t rung) const {
        std::string out;
        if (role_.empty() && !request_tools_) {
            out = R"({"set":{"content":)";
            json::append_quoted(out, end.content);
            return out + "}}";
        }
        out = R"({"patch":{"content":)";
        json::append_quoted(out, end.content);
        out += R"(,"data":{)";
        if (!role_.empty()) {
            out += R"("model":{"name":)";
            json::append_quoted(out, ladder_[rung]);
            out += R"(,"role":)";
            json::append_quoted(out, role_);
            out += R"(,"rung":)" + std::to_string(rung) + R"(,"rungs":)" +
                   std::to_string(ladder_.size()) + "}";
        }
        if (request_tools_) {
            out += std::string(role_.empty() ? "" : ",") + R"("tool_calls":)" +
                   (end.client_calls.empty() ? "null" : end.client_calls);
        }
        out += "}}";
        if (!end.client_calls.empty()) out += R"(,"route":"tool_calls")";
        return out + "}";
    }

    // data.history's or data.tool_turns' messages ({role, content, tool_calls?, tool_name?}) as
    // turns of the chat request.
    static void append_turns(const json::Value *data, const char *key,
                             std::vector<tinyllm::sdk::ChatMessage> &messages) {
        const json::Value *turns = data != nullptr ? json::find(*data, key) : nullptr;
        if (turns == nullptr || turns->IsNull()) return;
        if (!turns->IsArray()) {
            throw Error(TLLM_ERR_INVALID_ARGUMENT, std::string("data.") + key +
                                                       " must be a list of messages, not " +
                                                       json::type_phrase(*turns));
        }
        for (rapidjson::SizeType i = 0; i < turns->Size(); ++i) {
            const json::Value &t = (*turns)[i];
            const auto role = t.IsObject() ? json::get_string(t, "role") : std::nullopt;
            const auto content = t.IsObject() ? json::get_string(t, "content") : std::nullopt;
            if (!role || !content) {
                throw Error(TLLM_ERR_INVALID_ARGUMENT,
                            std::string("data.") + key + "[" + std::to_string(i) +
                                "] must be {\"role\", \"content\"} with strings");
            }
            tinyllm::sdk::ChatMessage m{*role, *content, {}, {}};
            if (const json::Value *calls = json::find(t, "tool_calls");
                calls != nullptr && calls->IsArray() && !calls->Empty())
                m.tool_calls_json = json::to_string(*calls);
            m.tool_name = json::get_string(t, "tool_name").value_or("");
            messages.push_back(std::move(m));
        }
    }

    static json::Document parse_config(std::string_view text) {
        try {
            return json::parse_object(text, "model node config", ErrorCode::invalid_argument);
        } catch (const tinyllm::Error &e) {
            throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
        }
    }

    // A template that does not parse is a config error, not "internal" at the ABI.
    static tinyllm::PromptTemplate make_template(const std::string &text, std::string_view what) {
        try {
            return tinyllm::PromptTemplate(text, what);
        } catch (const tinyllm::Error &e) {
            throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
        }
    }

    static tllm_think think_of(std::optional<bool> think) {
        if (!think) return TLLM_THINK_DEFAULT; // models.yaml decides
        return *think ? TLLM_THINK_ON : TLLM_THINK_OFF;
    }

    static std::vector<std::string> tool_names(const json::Value &config) {
        std::vector<std::string> names;
        if (const json::Value *tools = json::find(config, "tools"); tools && tools->IsArray()) {
            for (const auto &name : tools->GetArray())
                names.emplace_back(name.GetString(), name.GetStringLength());
        }
        return names;
    }

    // A configured member as JSON text, written once; absent (and empty options) -> "" (not
    // given), since they would change nothing.
    static std::string member_text(const json::Value &config, const char *key) {
        const json::Value *v = json::find(config, key);
        if (v == nullptr || (v->IsObject() && v->ObjectEmpty())) return {};
        return json::to_string(*v);
    }

    // The chat request for the rendered prompts: the system prompt, the prompt file's examples
    // as turns, the conversation so far (history), the request, then the turns of the tool calls
    // the client ran (request_tools). A configured system prompt is sent even when it renders
    // empty: whether the conversation has a system message is the node's config's decision,
    // not each message's.
    tinyllm::sdk::ChatRequest request_for(std::string system, std::string prompt,
                                          const json::Value *data) const {
        tinyllm::sdk::ChatRequest request;
        request.messages.reserve(2 + examples_.size());
        if (!system_->empty()) request.messages.push_back({"system", std::move(system), {}, {}});
        request.messages.insert(request.messages.end(), examples_.begin(), examples_.end());
        if (history_) append_turns(data, "history", request.messages);
        request.messages.push_back({"user", std::move(prompt), {}, {}});
        if (request_tools_) append_turns(data, "tool_turns", request.messages);
        request.stream = stream_;
        request.think = think_;
        request.options_json = options_;
        request.format_json = format_for(data);
        return request;
    }

    // The client's format (data.format: "json" or a schema) when the node takes it, else the
    // node's. An empty string asks for none, as in Ollama.
    std::string format_for(const json::Value *data) const {
        const json::Value *asked =
            request_format_ && data != nullptr ? json::find(*data, "format") : nullptr;
        if (asked == nullptr || asked->IsNull()) return format_;
        if (asked->IsString() && asked->GetStringLength() == 0) return {};
        if (!asked->IsObject() && !asked->IsString()) {
            throw Error(TLLM_ERR_INVALID_ARGUMENT,
                        "data.format must be \"json\" or a JSON Schema object, not " +
                            json::type_phrase(*asked));
        }
        return json::to_string(*asked);
    }

    tinyllm::sdk::Host host_;
    json::Document config_;
    std::string prompt_id_;
    bool stream_;
    std::string options_; // JSON text, "" for none
    std::string format_;  // JSON text, "" for none
    tllm_think think_;
    std::optional<tinyllm::PromptTemplate> system_; // from the config, or the prompt file
    std::optional<tinyllm::PromptTemplate> prompt_;
    std::vector<tinyllm::sdk::ChatMessage> examples_;
    std::vector<std::pair<std::string, std::string>> required_; // variable, description
    std::string model_name_; // a models.yaml name, or "" (default_model)
    std::string role_;       // or a role, whose ladder is asked (and climbed)
    std::string min_size_;
    std::vector<std::string> ladder_; // from activate: the models a request may go to
    tinyllm::node::ToolLoop tools_;
    bool request_tools_;  // also offers data.tools, the client's
    bool history_;        // sends data.history as turns
    bool request_format_; // answers in data.format instead of format_
};

constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.tinyllm.node.model",
    .name = "Model node",
    .version = "0.3.0",
    .description = "A graph node that asks a model, with Mustache prompt templates.",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

TINYLLM_PLUGIN(kInfo, ModelNode)
