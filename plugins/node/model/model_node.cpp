// The model node: asks a model (through the host, so models.yaml decides the backend and its
// options) and puts the answer into the message's content. Prompts are Mustache templates over
// the message's fields.
#include "tinyllm/prompt_template.hpp"
#include "tool_loop.hpp"

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

namespace {

using tinyllm::ErrorCode;
namespace json = tinyllm::json;
using tinyllm::sdk::Error;

constexpr const char *kSchema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "model": {"type": "string", "default": "",
              "description": "A models.yaml model name; empty = default_model."},
    "system": {"type": "string", "default": "",
               "description": "System prompt (a Mustache template over the message)."},
    "prompt": {"type": "string", "default": "{{content}}",
               "description": "User prompt (a Mustache template over the message: {{input}}, {{content}}, {{feedback}}, {{data.x}})."},
    "options": {"type": "object", "default": {},
                "description": "Model options for this node (temperature, seed, num_predict...); they override models.yaml's."},
    "format": {"type": ["string", "object"],
               "description": "\"json\" or a JSON Schema the answer must follow."},
    "think": {"type": "boolean", "description": "Let a thinking model think first."},
    "stream": {"type": "boolean", "default": true,
               "description": "Stream tokens while the model answers."},
    "tools": {"type": "array", "default": [], "uniqueItems": true,
              "items": {"type": "string", "minLength": 1},
              "description": "Tools the model may call (`tinyllm tool list`); their results go back to the model until it answers."},
    "max_tool_rounds": {"type": "integer", "minimum": 1, "maximum": 64, "default": 4,
                        "description": "How many times the model may ask for tools before the node fails."}
  }
})json";

class ModelNode final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "model";
    static constexpr const char *kDescription =
        "asks a model (prompt templates over the message) and sets content to the answer";
    static constexpr const char *kConfigSchema = kSchema;

    ModelNode(tinyllm::sdk::Host host, std::string_view config_json)
        : host_(host), config_(parse_config(config_json)),
          model_(json::get_string(config_, "model").value_or("")),
          stream_(json::get_bool(config_, "stream").value_or(true)),
          options_(member_text(config_, "options")), format_(member_text(config_, "format")),
          think_(think_of(json::get_bool(config_, "think"))),
          system_(make_template(json::get_string(config_, "system").value_or(""), "system")),
          prompt_(
              make_template(json::get_string(config_, "prompt").value_or("{{content}}"), "prompt")),
          tools_(host, tool_names(config_), json::get_int(config_, "max_tool_rounds").value_or(4)) {
    }

    void activate(tinyllm::sdk::Call &) override { tools_.activate(); }

    std::string process(tinyllm::sdk::Call &call, std::string_view message_json) override {
        const json::Document message = parse_message(message_json);
        tinyllm::sdk::ChatRequest request =
            request_for(system_.render(message), prompt_.render(message));
        return output_of(tools_.empty() ? host_.chat(call, request).content
                                        : tools_.run(call, std::move(request)));
    }

private:
    static json::Document parse_message(std::string_view text) {
        try {
            return json::parse_object(text, "message", ErrorCode::invalid_argument);
        } catch (const tinyllm::Error &e) {
            throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what()); // not "internal" at the ABI
        }
    }

    // The message with `answer` as its content: only the change goes back (the host puts it
    // into the message it holds).
    static std::string output_of(const std::string &answer) {
        std::string out = R"({"set":{"content":)";
        json::append_quoted(out, answer);
        out += "}}";
        return out;
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

    // The chat request for the rendered prompts. A configured system prompt is sent even when
    // it renders empty: whether the conversation has a system message is the node's config's
    // decision, not each message's.
    tinyllm::sdk::ChatRequest request_for(std::string system, std::string prompt) const {
        tinyllm::sdk::ChatRequest request;
        request.model = model_;
        request.messages.reserve(2);
        if (!system_.empty()) request.messages.push_back({"system", std::move(system), {}, {}});
        request.messages.push_back({"user", std::move(prompt), {}, {}});
        request.stream = stream_;
        request.think = think_;
        request.options_json = options_;
        request.format_json = format_;
        return request;
    }

    tinyllm::sdk::Host host_;
    json::Document config_;
    std::string model_;
    bool stream_;
    std::string options_; // JSON text, "" for none
    std::string format_;  // JSON text, "" for none
    tllm_think think_;
    tinyllm::PromptTemplate system_;
    tinyllm::PromptTemplate prompt_;
    tinyllm::node::ToolLoop tools_;
};

constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.tinyllm.node.model",
    .name = "Model node",
    .version = "0.1.0",
    .description = "A graph node that asks a model, with Mustache prompt templates.",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

TINYLLM_PLUGIN(kInfo, ModelNode)
