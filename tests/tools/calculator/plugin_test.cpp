// The calculator through its C ABI: descriptor, schemas, create/destroy and invoke, with the
// test doubles of tests/ollama/test_call.hpp standing in for the host.
#include "test_call.hpp"

#include <tinyllm/json.hpp>
#include <tinyllm/plugin.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using tinyllm::testing::TestCall;
using tinyllm::testing::TestHost;
namespace json = tinyllm::json;

const tllm_component &component() {
    const tllm_plugin_descriptor *d = tinyllm_plugin_entry();
    EXPECT_EQ(d->component_count, 1u);
    return d->components[0];
}

const tllm_tool_v1 &vtable() {
    return *static_cast<const tllm_tool_v1 *>(component().vtable);
}

// A created instance, destroyed at the end of the scope.
class Instance {
public:
    explicit Instance(const char *config = "{}") {
        char error[256] = "";
        status_ = component().create(host_.raw(), config, &instance_, error, sizeof error);
        error_ = error;
    }
    ~Instance() {
        if (instance_ != nullptr) component().destroy(instance_);
    }
    Instance(const Instance &) = delete;
    Instance &operator=(const Instance &) = delete;

    tllm_status status() const { return status_; }
    const std::string &error() const { return error_; }

    // Invokes the tool with `arguments`, returning the status; the call keeps output/error.
    tllm_status invoke(TestCall &call, const std::string &arguments) {
        return vtable().invoke(instance_, call.raw(), arguments.c_str());
    }

private:
    TestHost host_;
    void *instance_ = nullptr;
    tllm_status status_ = TLLM_ERR_INTERNAL;
    std::string error_;
};

TEST(CalculatorPlugin, Descriptor) {
    const tllm_plugin_descriptor *d = tinyllm_plugin_entry();
    EXPECT_EQ(d->abi.major, static_cast<uint32_t>(TLLM_ABI_VERSION_MAJOR));
    EXPECT_EQ(d->abi.minor, static_cast<uint32_t>(TLLM_ABI_VERSION_MINOR));
    EXPECT_STREQ(d->id, "org.tinyllm.tool.calculator");
    const tllm_component &c = component();
    EXPECT_STREQ(c.kind, TLLM_KIND_TOOL);
    EXPECT_STREQ(c.name, "calculator");
    EXPECT_NE(std::strlen(c.description), 0u);
    EXPECT_EQ(std::string(c.description).find('\n'), std::string::npos);
    EXPECT_EQ(c.flags & TLLM_COMPONENT_SERIALIZED, 0u); // stateless: calls may run concurrently
    EXPECT_EQ(vtable().struct_size, sizeof(tllm_tool_v1));
    EXPECT_NE(vtable().invoke, nullptr);
}

TEST(CalculatorPlugin, ParametersSchemaHasOneRequiredStringProperty) {
    const auto schema = json::parse_object(vtable().parameters_schema, "parameters");
    EXPECT_EQ(json::get_string(schema, "type"), "object");
    EXPECT_EQ(json::get_bool(schema, "additionalProperties"), false);
    const json::Value &props = schema["properties"];
    ASSERT_EQ(props.MemberCount(), 1u);
    EXPECT_EQ(json::get_string(props["expression"], "type"), "string");
    EXPECT_TRUE(json::get_string(props["expression"], "description"));
    const json::Value &required = schema["required"];
    ASSERT_TRUE(required.IsArray());
    ASSERT_EQ(required.Size(), 1u);
    EXPECT_STREQ(required[0].GetString(), "expression");
}

TEST(CalculatorPlugin, ConfigSchemaDocumentsEveryKey) {
    const auto schema = json::parse_object(component().config_schema, "config");
    EXPECT_EQ(json::get_bool(schema, "additionalProperties"), false);
    const json::Value &props = schema["properties"];
    EXPECT_EQ(props.MemberCount(), 3u);
    EXPECT_EQ(json::get_int(props["max_length"], "default"), 1000);
    EXPECT_EQ(json::get_int(props["precision_digits"], "default"), 50);
    EXPECT_EQ(json::get_string(props["angle_unit"], "default"), "radians");
    for (const auto &m : props.GetObject()) {
        EXPECT_TRUE(json::get_string(m.value, "description")) << m.name.GetString();
    }
}

TEST(CalculatorPlugin, InvokeReturnsTheResultDocument) {
    Instance instance;
    ASSERT_EQ(instance.status(), TLLM_OK) << instance.error();
    TestCall call;
    ASSERT_EQ(instance.invoke(call, R"({"expression":"123456789*987654321"})"), TLLM_OK)
        << call.error();
    const auto out = call.output_json();
    EXPECT_EQ(json::get_string(out, "content"), "121932631112635269");
    EXPECT_EQ(json::get_bool(out, "is_error"), false);
    EXPECT_EQ(json::get_string(out, "value"), "121932631112635269");
    EXPECT_EQ(json::get_bool(out, "exact"), true);
    EXPECT_EQ(json::get_bool(out, "rounded"), false);
    EXPECT_FALSE(json::find(out, "fraction"));
}

TEST(CalculatorPlugin, FractionsAndRoundedResults) {
    Instance instance;
    TestCall third;
    ASSERT_EQ(instance.invoke(third, R"({"expression":"1/3"})"), TLLM_OK);
    const auto out = third.output_json();
    EXPECT_EQ(json::get_string(out, "content"),
              "0.33333333333333333333333333333333333333333333333333");
    EXPECT_EQ(json::get_bool(out, "exact"), true);
    EXPECT_EQ(json::get_bool(out, "rounded"), true);
    EXPECT_EQ(json::get_string(out, "fraction"), "1/3");

    TestCall root;
    ASSERT_EQ(instance.invoke(root, R"j({"expression":"sqrt(2)"})j"), TLLM_OK);
    EXPECT_EQ(json::get_bool(root.output_json(), "exact"), false);

    TestCall unicode;
    ASSERT_EQ(instance.invoke(unicode, "{\"expression\":\"3 \\u00d7 4\"}"), TLLM_OK);
    EXPECT_EQ(json::get_string(unicode.output_json(), "content"), "12");
}

TEST(CalculatorPlugin, EvaluationErrorsAreInvalidArgument) {
    Instance instance;
    TestCall call;
    EXPECT_EQ(instance.invoke(call, R"({"expression":"1/0"})"), TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(call.error(), "division by zero at column 2");
    EXPECT_FALSE(call.has_output());

    TestCall syntax;
    EXPECT_EQ(instance.invoke(syntax, R"({"expression":"1 +* 2"})"), TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(syntax.error(), "at column 4: expected a number, '(' or a function, got '*'");
}

TEST(CalculatorPlugin, BadArgumentsAreInvalidArgument) {
    Instance instance;
    for (const char *arguments : {"", "not json", "[]", "{}", R"({"expression":4})"}) {
        TestCall call;
        EXPECT_EQ(instance.invoke(call, arguments), TLLM_ERR_INVALID_ARGUMENT) << arguments;
        EXPECT_FALSE(call.error().empty()) << arguments;
    }
}

TEST(CalculatorPlugin, ConfigChangesPrecisionUnitAndLength) {
    Instance instance(R"({"precision_digits":10,"angle_unit":"degrees","max_length":8})");
    ASSERT_EQ(instance.status(), TLLM_OK) << instance.error();
    TestCall third;
    ASSERT_EQ(instance.invoke(third, R"({"expression":"1/3"})"), TLLM_OK);
    EXPECT_EQ(json::get_string(third.output_json(), "content"), "0.3333333333");
    TestCall sine;
    ASSERT_EQ(instance.invoke(sine, R"j({"expression":"sin(30)"})j"), TLLM_OK);
    EXPECT_EQ(json::get_string(sine.output_json(), "content"), "0.5");
    TestCall longer;
    EXPECT_EQ(instance.invoke(longer, R"({"expression":"1+2+3+4+5"})"), TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(longer.error(), "expression too long (9 characters; the limit is 8)");
}

// The component has no TLLM_COMPONENT_SERIALIZED flag: one instance serves calls from many
// threads at once.
TEST(CalculatorPlugin, ConcurrentInvocations) {
    Instance instance;
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (size_t t = 0; t < failures.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                TestCall call;
                const std::string expression = "sin(" + std::to_string(i) + ") + 1/" +
                                               std::to_string(t + 3) + " - 2^" + std::to_string(i);
                if (instance.invoke(call, "{\"expression\":\"" + expression + "\"}") != TLLM_OK) {
                    ++failures[t];
                }
                TestCall again;
                if (instance.invoke(again, R"j({"expression":"atan(1)*4"})j") != TLLM_OK ||
                    json::get_string(again.output_json(), "content") !=
                        "3.1415926535897932384626433832795028841971693993751") {
                    ++failures[t];
                }
            }
        });
    }
    for (auto &thread : threads)
        thread.join();
    for (int f : failures)
        EXPECT_EQ(f, 0);
}

TEST(CalculatorPlugin, BadConfigFailsCreate) {
    for (const char *config : {R"({"angle_unit":"gradians"})", R"({"precision_digits":0})",
                               R"({"max_length":0})", "not json"}) {
        Instance instance(config);
        EXPECT_EQ(instance.status(), TLLM_ERR_INVALID_ARGUMENT) << config;
        EXPECT_FALSE(instance.error().empty()) << config;
    }
}

} // namespace
