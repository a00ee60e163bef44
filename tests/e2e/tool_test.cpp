// `tinyllm tool` end to end with the real calculator and code plugins from the build tree:
// listing with schemas, bare and JSON input, stdin, --json, failed outcomes and errors.
#include "e2e_support.hpp"
#include "sandbox_precondition.hpp" // tests/support

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using ToolTest = E2ETest;

TEST_F(ToolTest, ListShowsBothToolsWithTheirArguments) {
    const RunResult text = host({"tool", "list"});
    ASSERT_EXIT_CODE(text, kOk);
    EXPECT_THAT(text.out, HasSubstr("calculator  "));
    EXPECT_THAT(text.out, HasSubstr("    expression (string, required)"));
    EXPECT_THAT(text.out, HasSubstr("code  "));
    EXPECT_THAT(text.out, HasSubstr("    code (string, required)"));
    EXPECT_THAT(text.out, HasSubstr("    language (string: python|sh"));

    const RunResult r = host({"tool", "list", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    std::vector<std::string> names;
    for (const auto &t : doc["tools"].GetArray()) {
        names.emplace_back(t["name"].GetString());
        EXPECT_STREQ(t["parameters"]["type"].GetString(), "object");
        EXPECT_GT(std::string(t["description"].GetString()).size(), 20u);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"calculator", "code"}));
}

TEST_F(ToolTest, PluginsInspectShowsAToolsArguments) {
    const RunResult r = host({"plugins", "inspect", "calculator"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_THAT(r.out, HasSubstr("Kind         tinyllm.tool/1"));
    EXPECT_THAT(r.out, HasSubstr("  Arguments (what a model passes):\n    expression "));
    const RunResult json = host({"plugins", "inspect", "calculator", "--json"});
    ASSERT_EXIT_CODE(json, kOk);
    EXPECT_THAT(json.out, HasSubstr("\"parameters_schema\""));
}

TEST_F(ToolTest, CalculatorPrintsTheExactAnswer) {
    const RunResult r = host({"tool", "calculator", "2 + 2"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, "4\n");
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(host({"tool", "calculator", "123456789*987654321"}).out, "121932631112635269\n");
    // Several words are one input, as with `ask`; -- lets an input start with '-'.
    EXPECT_EQ(host({"tool", "calculator", "1/3", "+", "1/6"}).out, "0.5\n");
    EXPECT_EQ(host({"tool", "calculator", "--", "-2^2"}).out, "-4\n");
}

TEST_F(ToolTest, JsonInputStdinAndJsonOutput) {
    EXPECT_EQ(host({"tool", "calculator", R"({"expression":"2^10"})"}).out, "1024\n");
    EXPECT_EQ(host({"tool", "calculator", "-"}, {}, "6*7\n").out, "42\n");
    const RunResult r = host({"tool", "calculator", "--json", "2^100"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    EXPECT_STREQ(doc["content"].GetString(), "1267650600228229401496703205376");
    EXPECT_FALSE(doc["is_error"].GetBool());
}

TEST_F(ToolTest, CalculatorErrorsAreOneLineNamingTheColumn) {
    const RunResult r = host({"tool", "calculator", "1 +* 2"});
    EXPECT_EXIT_CODE(r, kFailure);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("column 4"));
    EXPECT_EQ(r.out, "");
}

TEST_F(ToolTest, CodeRunsSandboxedAndPrintsItsOutput) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    const RunResult r = host({"tool", "code", "print('hello')"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, "hello\n");

    const RunResult failed =
        host({"tool", "code", R"({"code":"echo out; exit 3","language":"sh"})"});
    EXPECT_EXIT_CODE(failed, kFailure); // the program's failure is the command's
    EXPECT_THAT(failed.out, StartsWith("out\n"));
    EXPECT_THAT(failed.out, HasSubstr("exit code 3"));
}

TEST_F(ToolTest, UnknownToolsBadInputAndDisabledTools) {
    const RunResult unknown = host({"tool", "calculater", "1"});
    EXPECT_EXIT_CODE(unknown, kNotFound);
    EXPECT_TRUE(OneErrorLine(unknown));
    EXPECT_THAT(unknown.err, HasSubstr("(did you mean \"calculator\"?)"));

    const RunResult bad_json = host({"tool", "calculator", "{\"expression\":"});
    EXPECT_EXIT_CODE(bad_json, kUsage);
    EXPECT_TRUE(OneErrorLine(bad_json));

    const RunResult bad_args = host({"tool", "calculator", R"({"expresion":"1"})"});
    EXPECT_EXIT_CODE(bad_args, kFailure);
    EXPECT_TRUE(OneErrorLine(bad_args));
    EXPECT_THAT(bad_args.err, HasSubstr("tool calculator: argument"));

    const RunResult no_input = host({"tool", "calculator"});
    EXPECT_EXIT_CODE(no_input, kUsage);

    write_config_file("tools.yaml", "tools:\n  - {name: code, enabled: false}\n");
    const RunResult disabled = host({"tool", "code", "print(1)"});
    EXPECT_EXIT_CODE(disabled, kNotFound);
    const RunResult listed = host({"tool", "list"});
    EXPECT_THAT(listed.out, ::testing::Not(HasSubstr("code  ")));
}

} // namespace
} // namespace tinyllm::e2e
