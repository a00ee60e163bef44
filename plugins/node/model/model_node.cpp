// The model node: asks a model (through the host, so models.yaml decides the backend and its
// options) and puts the answer into the message's content. Prompts are Mustache templates over
// the message's fields.
#include "message_text.hpp"
#include "prompt_template.hpp"
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
          think_(json::get_bool(config_, "think")),
          system_(json::get_string(config_, "system").value_or(""), "system"),
          prompt_(json::get_string(config_, "prompt").value_or("{{content}}"), "prompt"),
          tools_(host, tool_names(config_), json::get_int(config_, "max_tool_rounds").value_or(4)) {
        const auto system = system_.simple_variable();
        const auto prompt = prompt_.simple_variable();
        if (system && prompt) simple_fields_ = std::vector<std::string>{*system, *prompt};
    }

    std::string process(tinyllm::sdk::Call &call, std::string_view message_json) override {
        // Simple prompts ({{input}}, plain text) need two fields of the message, not a document.
        if (simple_fields_) {
            if (const auto values =
                    tinyllm::node::top_level_strings(message_json, *simple_fields_)) {
                return output_of(ask(call, system_.render_simple((*values)[0]),
                                     prompt_.render_simple((*values)[1])));
            }
        }
        const json::Document message = parse_message(message_json);
        return output_of(ask(call, system_.render(message), prompt_.render(message)));
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

    static std::vector<std::string> tool_names(const json::Value &config) {
        std::vector<std::string> names;
        if (const json::Value *tools = json::find(config, "tools"); tools && tools->IsArray()) {
            for (const auto &name : tools->GetArray())
                names.emplace_back(name.GetString(), name.GetStringLength());
        }
        return names;
    }

    // A configured member as JSON text, written once; absent (and empty options) -> nullopt,
    // since they would change nothing.
    static std::optional<std::string> member_text(const json::Value &config, const char *key) {
        const json::Value *v = json::find(config, key);
        if (v == nullptr || (v->IsObject() && v->ObjectEmpty())) return std::nullopt;
        return json::to_string(*v);
    }

    // The model's answer to the rendered prompts. Without tools the host takes the request as C
    // data and hands back the answer's text: no JSON written here or read back by the host.
    std::string ask(tinyllm::sdk::Call &call, const std::string &system,
                    const std::string &prompt) {
        if (!tools_.empty()) return tools_.run(call, request_for(system, prompt));
        // C strings end at a NUL byte; a prompt holding one (a message's "\u0000") goes as JSON.
        if (system.find('\0') != std::string::npos || prompt.find('\0') != std::string::npos) {
            return json::string_at(host_.chat(call, request_for(system, prompt)),
                                   {"message", "content"})
                .value_or("");
        }
        const tllm_chat_message messages[] = {{"system", system.c_str()}, {"user", prompt.c_str()}};
        const bool with_system = !system_.empty();
        tllm_chat_request request{};
        request.struct_size = sizeof request;
        request.model = model_.c_str();
        request.messages = with_system ? messages : messages + 1;
        request.message_count = with_system ? 2 : 1;
        request.stream = stream_ ? 1 : 0;
        request.options_json = options_ ? options_->c_str() : nullptr;
        request.format_json = format_ ? format_->c_str() : nullptr;
        request.think = think_ ? (*think_ ? 1 : 0) : -1;
        return host_.chat(call, request).content;
    }

    // The chat request for the rendered prompts as JSON: with tools, or text C strings cannot
    // carry.
    std::string request_for(const std::string &system, const std::string &prompt) const {
        rapidjson::StringBuffer buffer;
        buffer.Reserve(system.size() + prompt.size() + model_.size() + 192);
        json::Writer w(buffer);
        const auto string = [&w](std::string_view text) {
            w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
        };
        const auto add = [&](std::string_view role, const std::string &content) {
            w.StartObject();
            w.Key("role");
            string(role);
            w.Key("content");
            string(content);
            w.EndObject();
        };
        w.StartObject();
        w.Key("model");
        string(model_);
        w.Key("messages");
        w.StartArray();
        if (!system_.empty()) add("system", system);
        add("user", prompt);
        w.EndArray();
        w.Key("stream");
        w.Bool(stream_);
        const auto raw = [&w](const char *key, const std::optional<std::string> &value) {
            if (!value) return;
            w.Key(key);
            w.RawValue(value->data(), value->size(), rapidjson::kObjectType);
        };
        raw("options", options_);
        raw("format", format_);
        if (think_) {
            w.Key("think");
            w.Bool(*think_);
        }
        w.EndObject();
        return {buffer.GetString(), buffer.GetSize()};
    }

    tinyllm::sdk::Host host_;
    json::Document config_;
    std::string model_;
    bool stream_;
    std::optional<std::string> options_; // JSON text
    std::optional<std::string> format_;  // JSON text
    std::optional<bool> think_;
    tinyllm::node::PromptTemplate system_;
    tinyllm::node::PromptTemplate prompt_;
    tinyllm::node::ToolLoop tools_;
    // The fields the two prompts need when both are simple (system's, prompt's; "" for none).
    std::optional<std::vector<std::string>> simple_fields_;
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
