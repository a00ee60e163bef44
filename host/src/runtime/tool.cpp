#include "runtime/tool.hpp"

#include "config/source_map.hpp"

namespace tinyllm::runtime {

std::string tool_definition(std::string_view name, std::string_view description,
                            const char *parameters_schema) {
    json::Document doc(rapidjson::kObjectType);
    auto &a = doc.GetAllocator();
    json::Value function(rapidjson::kObjectType);
    function.AddMember("name", json::string_value(name, a), a);
    function.AddMember("description", json::string_value(description, a), a);
    json::Document parameters = json::parse_object(parameters_schema, "parameters_schema");
    function.AddMember("parameters", json::Value(parameters, a), a);
    doc.AddMember("type", "function", a);
    doc.AddMember("function", function, a);
    return json::to_string(doc);
}

Tool::Tool(std::string name, plugin::ComponentRef ref, const std::string &config_json,
           HostServices *services, std::optional<std::string> description)
    : name_(std::move(name)), instance_("tool", name_, ref, config_json, services),
      vtable_(static_cast<const tllm_tool_v1 *>(ref.component->vtable)),
      schema_(vtable_->parameters_schema, "parameters schema of tool " + name_),
      description_(description.value_or(
          ref.component->description != nullptr ? ref.component->description : "")),
      definition_(tool_definition(name_, description_, vtable_->parameters_schema)) {}

std::string Tool::invoke(CallContext &call, const std::string &arguments_json) {
    const std::string what = "tool " + name_;
    json::Document args =
        json::parse(arguments_json, what + ": arguments", ErrorCode::invalid_argument);
    if (!args.IsObject()) {
        throw Error(ErrorCode::invalid_argument, what + ": arguments must be a JSON object, got " +
                                                     std::string(json::type_name(args)));
    }
    config::apply_defaults(args, schema_.root(), args.GetAllocator());
    if (const auto violation = schema_.check(args)) {
        const std::string path = config::display_path(violation->pointer);
        throw Error(ErrorCode::invalid_argument,
                    what + ": " + (path.empty() ? "arguments" : "argument " + path) + ": " +
                        violation->message);
    }
    const std::string checked = json::to_string(args);
    std::string result = instance_.invoke("invoke", TLLM_TABLE_FN(vtable_, tllm_tool_v1, invoke),
                                          call, checked.c_str());
    // What the model reads must be there; everything else in the document is the tool's own.
    try {
        const json::Document doc = json::parse_object(result, what + " result");
        if (!json::get_string(doc, "content")) {
            throw Error(ErrorCode::protocol, "no \"content\" string");
        }
    } catch (const Error &e) {
        throw Error(ErrorCode::protocol,
                    what + " returned an invalid result document: " + e.what());
    }
    return result;
}

Tool::Health Tool::check(CallContext &call) {
    const auto fn = TLLM_TABLE_FN(vtable_, tllm_tool_v1, check);
    if (fn == nullptr) return {"ready", false};
    const std::string out = instance_.invoke("check", fn, call);
    const json::Document doc = json::parse_object(out, "tool " + name_ + " check");
    return {json::get_string(doc, "detail").value_or("ready"),
            json::get_bool(doc, "warning").value_or(false)};
}

} // namespace tinyllm::runtime
