// A node for the eval tests that routes like a router (declared routes, data.router in its
// output) and fails or hangs on the requests its config names: the real router never fails a
// call on a model error (the stage fails, the default answers), so error rows and a node that
// ignores its deadline need a node that does.
#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace {

using tinyllm::sdk::Call;
using tinyllm::sdk::Error;
using tinyllm::sdk::Host;
namespace json = tinyllm::json;

class ScriptedRouter final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "eval_scripted_router";
    static constexpr const char *kDescription =
        "routes to the first route named in the request, else the default; fails or hangs "
        "on scripted requests";
    static constexpr const char *kConfigSchema = R"({
      "type": "object", "additionalProperties": false, "required": ["routes", "default"],
      "properties": {
        "routes": {"description": "The declared routes.", "type": "array",
                   "items": {"type": "string"}},
        "default": {"description": "The route when the request names none.", "type": "string"},
        "fail_on": {"description": "Fail the call (unavailable) when the request contains this.",
                    "type": "string", "default": ""},
        "hang_on": {"description": "Never return (ignoring cancellation) on this.",
                    "type": "string", "default": ""}
      }})";

    ScriptedRouter(Host, std::string_view config) {
        json::Document c;
        try {
            c = json::parse_object(config, "config");
        } catch (const std::exception &e) {
            throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
        }
        for (const json::Value &r : c["routes"].GetArray())
            routes_.emplace_back(r.GetString(), r.GetStringLength());
        default_ = json::get_string(c, "default").value_or("");
        fail_on_ = json::get_string(c, "fail_on").value_or("");
        hang_on_ = json::get_string(c, "hang_on").value_or("");
    }

    std::string process(Call &, std::string_view message) override {
        const std::string input = json::string_at(message, {"input"}).value_or("");
        if (!fail_on_.empty() && input.find(fail_on_) != std::string::npos) {
            throw Error(TLLM_ERR_UNAVAILABLE, "the model server is down (scripted)");
        }
        if (!hang_on_.empty() && input.find(hang_on_) != std::string::npos) {
            for (;;)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        std::string route = default_;
        bool named = false;
        for (const std::string &r : routes_) {
            if (input.find(r) != std::string::npos) {
                route = r;
                named = true;
                break;
            }
        }
        std::string out = R"({"patch":{"data":{"router":{"route":)";
        json::append_quoted(out, route);
        out +=
            named ? R"(,"stage":"rules","confidence":1)" : R"(,"stage":"default","confidence":0)";
        out += R"(,"stages":[{"stage":"rules","ms":0.5,"outcome":)";
        out += named ? R"("sure")" : R"("unsure")";
        out += R"(,"detail":""}]}}},"route":)";
        json::append_quoted(out, route);
        return out + "}";
    }

    std::vector<std::string> routes() const override { return routes_; }

private:
    std::vector<std::string> routes_;
    std::string default_;
    std::string fail_on_;
    std::string hang_on_;
};

constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.tinyllm.test.eval",
    .name = "Eval test nodes",
    .version = "1.0.0",
    .description = "A scripted router for the tinyllm eval tests",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

TINYLLM_PLUGIN(kInfo, ScriptedRouter)
