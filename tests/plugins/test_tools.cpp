// Test tool components (tinyllm.tool/1) for the host's tool tests: one .so, tinyllm-test-tools.so,
// with a tool per behaviour the host must handle — a plain answer, a failure, a result that is
// not a result document, a wait that honours cancellation, several required arguments, a config
// refused in create, one that counts (or fails) its activation.
#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <atomic>
#include <chrono>
#include <thread>

namespace {

using tinyllm::sdk::Call;
using tinyllm::sdk::Error;
using tinyllm::sdk::Host;
using tinyllm::sdk::tool_result;
namespace json = tinyllm::json;

json::Document parse_args(std::string_view text) {
    try {
        return json::parse_object(text, "arguments");
    } catch (const std::exception &e) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
    }
}

// Answers with its text argument, prefixed by the configured prefix.
class Echo final : public tinyllm::sdk::Tool {
public:
    static constexpr const char *kName = "echo";
    static constexpr const char *kDescription = "repeats its text argument";
    static constexpr const char *kConfigSchema =
        R"({"type":"object","additionalProperties":false,
            "properties":{"prefix":{"type":"string","default":""}}})";
    static constexpr const char *kParameters =
        R"({"type":"object","additionalProperties":false,"required":["text"],
            "properties":{"text":{"type":"string","description":"what to repeat"},
                          "times":{"type":"integer","minimum":1,"default":1}}})";
    Echo(Host, std::string_view config)
        : prefix_(json::get_string(parse_args(config), "prefix").value_or("")) {}
    std::string invoke(Call &, std::string_view arguments) override {
        const json::Document args = parse_args(arguments);
        std::string text = prefix_;
        for (int64_t i = 0; i < json::get_int(args, "times").value_or(-1); ++i) {
            text += json::get_string(args, "text").value_or("");
        }
        return tool_result(text);
    }

private:
    std::string prefix_;
};

// Always refuses its arguments; with "outcome": true it ran and reports a failed outcome.
class Fail final : public tinyllm::sdk::Tool {
public:
    static constexpr const char *kName = "fail";
    static constexpr const char *kDescription = "fails on purpose";
    static constexpr const char *kParameters =
        R"({"type":"object","properties":{"outcome":{"type":"boolean","default":false}}})";
    Fail(Host, std::string_view) {}
    std::string invoke(Call &, std::string_view arguments) override {
        if (json::get_bool(parse_args(arguments), "outcome").value_or(false)) {
            return tool_result("it ran and failed", true);
        }
        throw Error(TLLM_ERR_INVALID_ARGUMENT, "fail: refused on purpose at column 3");
    }
};

// Returns a document without "content".
class BadResult final : public tinyllm::sdk::Tool {
public:
    static constexpr const char *kName = "bad_result";
    static constexpr const char *kDescription = "returns something that is not a result";
    static constexpr const char *kParameters = R"({"type":"object","properties":{}})";
    BadResult(Host, std::string_view) {}
    std::string invoke(Call &, std::string_view) override { return R"({"value":42})"; }
};

// Waits `ms` milliseconds, or until the call is cancelled.
class Wait final : public tinyllm::sdk::Tool {
public:
    static constexpr const char *kName = "wait";
    static constexpr const char *kDescription = "waits, honouring cancellation";
    static constexpr const char *kParameters =
        R"({"type":"object","required":["ms"],"properties":{"ms":{"type":"integer"}}})";
    Wait(Host, std::string_view) {}
    std::string invoke(Call &call, std::string_view arguments) override {
        const auto until =
            std::chrono::steady_clock::now() +
            std::chrono::milliseconds(json::get_int(parse_args(arguments), "ms").value_or(0));
        while (std::chrono::steady_clock::now() < until) {
            call.check_cancelled();
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return tool_result("waited");
    }
};

// Two required arguments: cannot be called with a bare string from the command line.
class Pair final : public tinyllm::sdk::Tool {
public:
    static constexpr const char *kName = "pair";
    static constexpr const char *kDescription = "joins a name and a number";
    static constexpr const char *kParameters =
        R"({"type":"object","required":["name","number"],
            "properties":{"name":{"type":"string"},"number":{"type":"integer"}}})";
    Pair(Host, std::string_view) {}
    std::string invoke(Call &, std::string_view arguments) override {
        const json::Document args = parse_args(arguments);
        return tool_result(json::get_string(args, "name").value_or("") + "=" +
                           std::to_string(json::get_int(args, "number").value_or(0)));
    }
};

// A config the plugin refuses at create time (the schema allows it).
class Picky final : public tinyllm::sdk::Tool {
public:
    static constexpr const char *kName = "picky";
    static constexpr const char *kDescription = "refuses mode \"bad\" when created";
    static constexpr const char *kConfigSchema =
        R"({"type":"object","properties":{"mode":{"type":"string","default":"good"}}})";
    static constexpr const char *kParameters = R"({"type":"object","properties":{}})";
    Picky(Host, std::string_view config) {
        if (json::get_string(parse_args(config), "mode") == "bad") {
            throw Error(TLLM_ERR_INVALID_ARGUMENT, "mode \"bad\" is not allowed");
        }
    }
    std::string invoke(Call &, std::string_view) override { return tool_result("ok"); }
};

// Counts its activations and says how many it had; with {"fail": true} its activate fails
// instead, with a message numbering the attempt across the process (so a test can tell a
// remembered failure from a repeated one).
class Activated final : public tinyllm::sdk::Tool {
public:
    static constexpr const char *kName = "activated";
    static constexpr const char *kDescription = "says how many times it was activated";
    static constexpr const char *kConfigSchema =
        R"({"type":"object","additionalProperties":false,
            "properties":{"fail":{"type":"boolean","default":false}}})";
    static constexpr const char *kParameters = R"({"type":"object","properties":{}})";
    Activated(Host, std::string_view config)
        : fail_(json::get_bool(parse_args(config), "fail").value_or(false)) {}
    void activate(Call &) override {
        static std::atomic<int> failed_attempts{0};
        if (fail_) {
            throw Error(TLLM_ERR_UNAVAILABLE, "activated: not ready on purpose (attempt " +
                                                  std::to_string(++failed_attempts) + ")");
        }
        ++activations_;
    }
    std::string invoke(Call &, std::string_view) override {
        return tool_result("activated " + std::to_string(activations_.load()));
    }

private:
    bool fail_;
    std::atomic<int> activations_{0};
};

constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.tinyllm.test.tools",
    .name = "Test tools",
    .version = "0.1.0",
    .description = "Tools that exercise the host's tool registry and tool calls.",
};

} // namespace

TINYLLM_PLUGIN(kInfo, Echo, Fail, BadResult, Wait, Pair, Picky, Activated)
