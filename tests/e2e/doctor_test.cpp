// `tinyllm doctor`: one line per check, exit 1 when any fails, each failure with a fix.
#include "e2e_support.hpp"
#include "sandbox_precondition.hpp" // tests/support

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using DoctorTest = E2ETest;

// The lines of `out` whose check is about `area` (e.g. "backend", "model").
std::vector<std::string> lines_about(const std::string &out, const std::string &area) {
    std::vector<std::string> found;
    for (const auto &line : split_lines(out)) {
        if (line.size() > 5 && line.compare(5, area.size() + 1, area + " ") == 0) {
            found.push_back(line);
        }
    }
    return found;
}

TEST_F(DoctorTest, GreenAgainstAHealthyServer) {
    TINYLLM_SKIP_WITHOUT_SANDBOX(); // doctor checks the code tool's sandbox too
    const RunResult r = host({"doctor"});
    ASSERT_EXIT_CODE(r, kOk);
    const auto lines = split_lines(r.out);
    // config, the ollama plugin, the backend, two models.
    EXPECT_GE(lines.size(), 5u) << r.out;
    for (const auto &line : lines)
        EXPECT_THAT(line, StartsWith("ok ")) << r.out;
    EXPECT_THAT(r.out, HasSubstr("org.tinyllm.ollama"));
    EXPECT_THAT(r.out, HasSubstr("reachable at " + ollama_.url()));
    EXPECT_EQ(lines_about(r.out, "model").size(), 2u) << r.out;
    EXPECT_EQ(r.err, "");

    const RunResult json = host({"doctor", "--json"});
    ASSERT_EXIT_CODE(json, kOk);
    const json::Document doc = parse_json(json.out);
    ASSERT_TRUE(doc.IsObject()) << json.out;
    ASSERT_TRUE(doc.HasMember("healthy") && doc["healthy"].IsBool()) << json.out;
    EXPECT_TRUE(doc["healthy"].GetBool());
    ASSERT_TRUE(doc.HasMember("checks") && doc["checks"].IsArray()) << json.out;
    EXPECT_EQ(doc["checks"].Size(), lines.size());
    for (const auto &check : doc["checks"].GetArray()) {
        EXPECT_STREQ(check["status"].GetString(), "ok") << json.out;
    }
}

TEST_F(DoctorTest, ServerDownFailsTheBackendAndSkipsTheModels) {
    const RefusingPort dead;
    write_config_file("models.yaml", models_yaml(dead.url()));
    const RunResult r = host({"doctor"});
    EXPECT_EXIT_CODE(r, kFailure);
    const auto backend = lines_about(r.out, "backend");
    ASSERT_EQ(backend.size(), 1u) << r.out;
    EXPECT_THAT(backend[0], StartsWith("FAIL backend local (ollama)"));
    EXPECT_THAT(backend[0], HasSubstr(dead.url()));
    EXPECT_THAT(backend[0], HasSubstr("Connection refused"));
    EXPECT_THAT(backend[0], HasSubstr("fix:"));
    const auto models = lines_about(r.out, "model");
    ASSERT_EQ(models.size(), 2u) << r.out;
    for (const auto &line : models)
        EXPECT_THAT(line, StartsWith("skip ")) << r.out;
    // The config and the plugin are still fine, and said so.
    EXPECT_THAT(r.out, HasSubstr("ok   config"));
    EXPECT_THAT(r.out, HasSubstr("ok   plugin org.tinyllm.ollama"));
    EXPECT_TRUE(NoCrashNoise(r.err));

    const RunResult json = host({"doctor", "--json"});
    EXPECT_EXIT_CODE(json, kFailure);
    const json::Document doc = parse_json(json.out);
    ASSERT_TRUE(doc.IsObject()) << json.out;
    EXPECT_FALSE(doc["healthy"].GetBool());
}

TEST_F(DoctorTest, MissingModelSaysHowToPullIt) {
    ollama_.set_models({kModel}); // qwen2.5:1.5b is configured but not on the server
    const RunResult r = host({"doctor"});
    EXPECT_EXIT_CODE(r, kFailure);
    const auto models = lines_about(r.out, "model");
    ASSERT_EQ(models.size(), 2u) << r.out;
    EXPECT_THAT(models[0], StartsWith("ok   model qwen2.5:0.5b"));
    EXPECT_THAT(models[1], StartsWith("FAIL model qwen2.5:1.5b"));
    EXPECT_THAT(models[1], HasSubstr("tinyllm models pull qwen2.5:1.5b"));
    EXPECT_THAT(r.out, HasSubstr("ok   backend local (ollama)"));
}

TEST_F(DoctorTest, BrokenConfigIsReportedAndThePluginsStillChecked) {
    // doctor is what a user runs when things are broken: it must not stop at the first error.
    write_config_file("system.yaml", "limits:\n  max_concurrent_runs: 0\n");
    const RunResult r = host({"doctor"});
    EXPECT_EXIT_CODE(r, kFailure);
    const auto lines = split_lines(r.out);
    ASSERT_GE(lines.size(), 2u) << r.out;
    EXPECT_THAT(lines[0], StartsWith("FAIL config"));
    EXPECT_THAT(lines[0], HasSubstr("system.yaml:2:"));
    EXPECT_THAT(lines[0], HasSubstr("limits.max_concurrent_runs"));
    EXPECT_THAT(r.out, HasSubstr("ok   plugin org.tinyllm.ollama"));
    EXPECT_TRUE(NoCrashNoise(r.err));

    const RunResult json = host({"doctor", "--json"});
    EXPECT_EXIT_CODE(json, kFailure);
    const json::Document doc = parse_json(json.out);
    ASSERT_TRUE(doc.IsObject()) << json.out;
    EXPECT_FALSE(doc["healthy"].GetBool());
    EXPECT_STREQ(doc["checks"][0]["status"].GetString(), "fail");
    EXPECT_TRUE(doc["checks"][0].HasMember("fix"));
}

TEST_F(DoctorTest, ShippedConfigIsHealthyWithOllamaHost) {
    TINYLLM_SKIP_WITHOUT_SANDBOX(); // doctor checks the code tool's sandbox too
    // The committed config/ (what `scripts/setup.sh` installs) against a server that has its
    // models: OLLAMA_HOST is how a user points it at a non-default server.
    ollama_.set_models({kModel, kBigModel, "qwen2.5:3b"});
    const RunResult r = run({"--config", kSourceConfigDir.string(), "doctor"},
                            {{"OLLAMA_HOST", ollama_.host_port()}});
    EXPECT_EXIT_CODE(r, kOk);
    EXPECT_THAT(r.out, HasSubstr("reachable at " + ollama_.url()));
}

TEST_F(DoctorTest, ChecksEveryToolIncludingTheSandbox) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    const RunResult r = host({"doctor"});
    ASSERT_EXIT_CODE(r, kOk);
    const auto tools = lines_about(r.out, "tool");
    ASSERT_EQ(tools.size(), 2u) << r.out;
    EXPECT_EQ(tools[0], "ok   tool calculator: ready");
    EXPECT_EQ(tools[1], "ok   tool code: bubblewrap sandbox works");
}

TEST_F(DoctorTest, AMissingSandboxFailsWithTheFixAndUnsandboxedIsAWarning) {
    write_config_file("tools.yaml", "tools:\n"
                                    "  - name: code\n"
                                    "    config: {bwrap: /nonexistent/bwrap}\n");
    const RunResult missing = host({"doctor"});
    EXPECT_EXIT_CODE(missing, kFailure);
    const auto failed = lines_about(missing.out, "tool");
    ASSERT_EQ(failed.size(), 2u) << missing.out;
    EXPECT_THAT(failed[1], StartsWith("FAIL tool code: "));
    EXPECT_THAT(failed[1], HasSubstr("bwrap"));
    EXPECT_THAT(failed[1], HasSubstr("(fix: "));
    // The tool refuses to run rather than running unsandboxed.
    const RunResult refused = host({"tool", "code", "print(1)"});
    EXPECT_EXIT_CODE(refused, kUnavailable);
    EXPECT_TRUE(OneErrorLine(refused));

    write_config_file("tools.yaml",
                      "tools:\n"
                      "  - name: code\n"
                      "    config: {bwrap: /nonexistent/bwrap, allow_unsandboxed: true}\n");
    const RunResult warned = host({"doctor"});
    EXPECT_EXIT_CODE(warned, kOk);
    EXPECT_THAT(lines_about(warned.out, "tool")[1],
                StartsWith("warn tool code: allow_unsandboxed"));
}

} // namespace
} // namespace tinyllm::e2e
