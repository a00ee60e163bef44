// `tinyllm models list|show|pull` against the fake server.
#include "e2e_support.hpp"

#include <algorithm>
#include <csignal>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using ModelsTest = E2ETest;

// The table row of `name` in `models list` output ("" when absent).
std::string row_of(const std::string &out, const std::string &name) {
    for (const auto &line : split_lines(out)) {
        if (line.rfind(name + " ", 0) == 0) return line;
    }
    return "";
}

TEST_F(ModelsTest, ListShowsWhichConfiguredModelsAreReady) {
    ollama_.set_models({kModel});
    const RunResult r = host({"models", "list"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_THAT(r.out, StartsWith("NAME "));
    EXPECT_THAT(row_of(r.out, kModel), HasSubstr(" ready "));
    EXPECT_THAT(row_of(r.out, kBigModel), HasSubstr(" missing "));
    EXPECT_EQ(r.err, "");

    const RunResult json = host({"models", "list", "--json"});
    ASSERT_EXIT_CODE(json, kOk);
    const json::Document doc = parse_json(json.out);
    ASSERT_TRUE(doc.IsObject()) << json.out;
    ASSERT_EQ(doc["models"].Size(), 2u) << json.out;
    EXPECT_STREQ(doc["models"][0]["name"].GetString(), kModel);
    EXPECT_TRUE(doc["models"][0]["configured"].GetBool());
    EXPECT_TRUE(doc["models"][0]["present"].GetBool());
    EXPECT_STREQ(doc["models"][1]["name"].GetString(), kBigModel);
    EXPECT_FALSE(doc["models"][1]["present"].GetBool());
    EXPECT_STREQ(doc["models"][0]["roles"].GetString(), "router,general");
    EXPECT_EQ(doc["errors"].Size(), 0u);
}

TEST_F(ModelsTest, ShowPrintsTheModelDetails) {
    const RunResult r = host({"models", "show", kModel});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_THAT(row_of(r.out, "Model"), HasSubstr(kModel));
    EXPECT_THAT(row_of(r.out, "family"), HasSubstr("qwen2"));
    EXPECT_THAT(row_of(r.out, "parameter_size"), HasSubstr("0.5B"));
    EXPECT_THAT(row_of(r.out, "context_length"), HasSubstr("32768"));
    EXPECT_EQ(r.err, "");

    const RunResult missing = host({"models", "show", "nosuch-model"});
    EXPECT_EXIT_CODE(missing, kNotFound);
    EXPECT_TRUE(OneErrorLine(missing));
}

TEST_F(ModelsTest, PullThenListIt) {
    const RunResult r = host({"models", "pull", "llama3.2"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.out, "pulled llama3.2 on local\n");
    // stderr is a pipe, not a terminal: no progress bar, so no escape codes or carriage returns.
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr("\033")));
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr("\r")));
    EXPECT_EQ(ollama_.count("/api/pull"), 1u);
    const auto models = ollama_.models();
    EXPECT_NE(std::find(models.begin(), models.end(), "llama3.2:latest"), models.end());

    // Now on the server, though not configured: listed as available.
    const RunResult list = host({"models", "list"});
    ASSERT_EXIT_CODE(list, kOk);
    EXPECT_THAT(row_of(list.out, "llama3.2:latest"), HasSubstr(" available"));
}

TEST_F(ModelsTest, CtrlCCancelsAPull) {
    // A download that stalls after its first progress event. On a pipe there is no progress
    // bar, so the test waits for the request to reach the server instead of for output.
    ollama_.enqueue("/api/pull", testing::Reply::stream()
                                     .add_line(R"({"status":"pulling manifest"})")
                                     .add_line(R"({"status":"success"})", std::chrono::hours(1)));
    const auto process = start({"models", "pull", "llama3.2"});
    ASSERT_TRUE(process->wait_until([&] { return ollama_.count("/api/pull") == 1; }))
        << "the pull never reached the server; stderr: " << process->err_so_far();
    process->send_signal(SIGINT);
    const RunResult r = process->finish();
    EXPECT_FALSE(r.timed_out) << r.describe();
    EXPECT_EXIT_CODE(r, kCancelled);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("cancelled"));
}

TEST_F(ModelsTest, ListWithTheServerDown) {
    const RefusingPort dead;
    write_config_file("models.yaml", models_yaml(dead.url()));
    const RunResult r = host({"models", "list"});
    EXPECT_EXIT_CODE(r, kUnavailable);
    // The configured models are still listed, as missing; the warning says why.
    EXPECT_THAT(row_of(r.out, kModel), HasSubstr(" missing"));
    EXPECT_THAT(r.err, HasSubstr(dead.url()));
    EXPECT_TRUE(NoCrashNoise(r.err));
}

} // namespace
} // namespace tinyllm::e2e
