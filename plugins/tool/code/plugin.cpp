// The code tool plugin: the tinyllm.tool/1 component "code", a thin ABI shell over CodeRunner.
#include "code_runner.hpp"
#include "result_format.hpp"
#include "sandbox_options.hpp"

#include <tinyllm/error.hpp>
#include <tinyllm/json.hpp>
#include <tinyllm/plugin.hpp>

namespace tinyllm::code_tool {

class CodeTool final : public sdk::Tool {
public:
    static constexpr const char *kName = "code";
    static constexpr const char *kDescription =
        "Runs a short Python 3 (default) or POSIX sh program in an isolated sandbox (no network, "
        "no access to the user's files, only /tmp writable, time and memory limits) and returns "
        "what it printed: stdout, then stderr and the exit status if it failed. Use it for "
        "exact computation, data processing or checking code; print the values you need.";
    // Exactly one required string property: `tinyllm tool code "print(1)"` relies on it.
    static constexpr const char *kParameters =
        R"({"type":"object","properties":{)"
        R"("code":{"type":"string","description":"The complete program to run. Its stdout is )"
        R"(the answer: print what you need. No network, no input on stdin; /tmp is the only )"
        R"(writable directory and is empty at the start of every run."},)"
        R"("language":{"type":"string","enum":["python","sh"],"default":"python",)"
        R"("description":"python (Python 3 with its standard library) or sh (POSIX shell )"
        R"(with coreutils)."}},)"
        R"("required":["code"],"additionalProperties":false})";
    static constexpr const char *kConfigSchema = code_tool::kConfigSchema;

    CodeTool(sdk::Host host, std::string_view config)
        : host_(host),
          runner_(parse_options(config), [host](const std::string &line) { host.warn(line); }) {}

    std::string invoke(sdk::Call &call, std::string_view arguments) override {
        json::Document doc;
        try {
            doc = json::parse_object(arguments, "code tool arguments", ErrorCode::invalid_argument);
        } catch (const tinyllm::Error &e) {
            throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
        }
        const json::Value *code = json::find(doc, "code");
        if (code == nullptr || !code->IsString()) {
            throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "code tool: \"code\" must be a string");
        }
        Language language = Language::python;
        if (const json::Value *lang = json::find(doc, "language")) {
            const std::string_view name =
                lang->IsString() ? std::string_view(lang->GetString(), lang->GetStringLength())
                                 : std::string_view{};
            if (name == "sh") {
                language = Language::sh;
            } else if (name != "python") {
                throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                                 "code tool: \"language\" must be \"python\" or \"sh\"");
            }
        }
        for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
            const std::string_view key(it->name.GetString(), it->name.GetStringLength());
            if (key != "code" && key != "language") {
                throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                                 "code tool: unknown argument \"" + std::string(key) + "\"");
            }
        }
        const RunOutcome outcome = runner_.run(
            std::string_view(code->GetString(), code->GetStringLength()), language, call);
        return result_json(outcome, runner_.options());
    }

    std::string check(sdk::Call &) override {
        const std::string problem = runner_.sandbox_problem();
        if (problem.empty()) {
            return R"({"detail":"bubblewrap sandbox works","warning":false})";
        }
        if (!runner_.options().allow_unsandboxed) throw sdk::Error(TLLM_ERR_UNAVAILABLE, problem);
        return "{\"detail\":\"" +
               sdk::json_escape("allow_unsandboxed is set: code runs WITHOUT isolation (" +
                                problem + ")") +
               "\",\"warning\":true}";
    }

private:
    sdk::Host host_;
    CodeRunner runner_;
};

constexpr sdk::PluginInfo kInfo{
    .id = "org.tinyllm.tool.code",
    .name = "Code executor",
    .version = "0.1.0",
    .description = "Runs Python or sh code a model writes in a bubblewrap sandbox with a seccomp "
                   "filter, resource limits and a wall-clock timeout.",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace tinyllm::code_tool

TINYLLM_PLUGIN(tinyllm::code_tool::kInfo, tinyllm::code_tool::CodeTool)
