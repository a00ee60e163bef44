// `tinyllm eval --dataset`, `eval list` and `eval compare` through the real binary on the
// shipped simulation (config/sim's models, sleeping off unless a test needs time), with the
// default and the one-model graphs and the rules judge.
#include "e2e_support.hpp"

#include <csignal>
#include <fstream>
#include <sstream>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;

const fs::path kEvalData = fs::path(TINYLLM_SOURCE_CONFIG_DIR).parent_path() / "tests/data/eval";

std::string read_file(const fs::path &path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class GraphEvalTest : public E2ETest {
protected:
    GraphEvalTest() { use_sim(0); }

    // config/sim's models.yaml with `time_scale` (the shipped one sleeps: "time_scale: 1").
    void use_sim(int time_scale) {
        std::string models = read_file(kSourceConfigDir / "sim" / "models.yaml");
        const std::string line = "time_scale: 1 ";
        const size_t at = models.find(line);
        if (at == std::string::npos) throw std::runtime_error("config/sim/models.yaml changed");
        models.replace(at, line.size(), "time_scale: " + std::to_string(time_scale) + " ");
        write_config_file("models.yaml", models);
        fs::create_directories(config_dir() / "graphs");
        for (const char *g : {"default.yaml", "direct.yaml"}) {
            fs::copy_file(kSourceConfigDir / "graphs" / g, config_dir() / "graphs" / g,
                          fs::copy_options::overwrite_existing);
        }
    }

    // The first `n` lines of a shipped dataset, as a file of the test's.
    std::string dataset(const std::string &name, size_t n) {
        std::ifstream in(kEvalData / name);
        std::string line, text;
        for (size_t i = 0; i < n && std::getline(in, line); ++i)
            text += line + "\n";
        const fs::path out = root() / ("first-" + std::to_string(n) + "-" + name);
        std::ofstream(out) << text;
        return out.string();
    }

    json::Document list() {
        const RunResult r = host({"eval", "list", "--json"});
        EXPECT_EXIT_CODE(r, kOk);
        return parse_json(r.out);
    }
};

TEST_F(GraphEvalTest, RunsGradesAndRecordsEveryExample) {
    const std::string data = dataset("arithmetic.jsonl", 20);
    const RunResult text = host({"eval", "--dataset", data, "--graph", "default"});
    ASSERT_EXIT_CODE(text, kOk);
    EXPECT_THAT(text.out, HasSubstr("graph default"));
    EXPECT_THAT(text.out, HasSubstr("judge rules"));
    EXPECT_THAT(text.out, HasSubstr("accuracy    "));
    EXPECT_THAT(text.out, HasSubstr("/20  "));
    EXPECT_THAT(text.out, HasSubstr("category=arithmetic"));
    EXPECT_THAT(text.out, HasSubstr("(95% Wilson)"));

    const RunResult r =
        host({"eval", "--dataset", data, "--graph", "default", "--concurrency", "3", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    EXPECT_EQ(doc["accuracy"]["total"].GetInt(), 20);
    EXPECT_EQ(doc["results"].Size(), 20u);
    EXPECT_STREQ(doc["status"].GetString(), "complete");
    const double rate = doc["accuracy"]["rate"].GetDouble();
    EXPECT_GE(rate, doc["accuracy"]["interval95"][0].GetDouble());
    EXPECT_LE(rate, doc["accuracy"]["interval95"][1].GetDouble());
    int passed = 0;
    for (const auto &row : doc["results"].GetArray()) {
        passed += row["pass"].GetBool();
        EXPECT_TRUE(row.HasMember("run_id"));
    }
    EXPECT_EQ(passed, doc["accuracy"]["passed"].GetInt());
    // Every run is in the store, and the evaluation is listed.
    const RunResult runs = host({"runs", "list", "--last", "0", "--json"});
    EXPECT_GE(parse_json(runs.out).Size(), 40u) << runs.out.substr(0, 300);
    const json::Document evals = list();
    ASSERT_EQ(evals.Size(), 2u);
    EXPECT_STREQ(evals[0]["id"].GetString(), doc["id"].GetString());
    EXPECT_EQ(evals[0]["examples"].GetInt(), 20);
}

TEST_F(GraphEvalTest, CompareTwoGraphsOnTheSameData) {
    const std::string data = dataset("arithmetic.jsonl", 30);
    const RunResult a = host({"eval", "-d", data, "-g", "default", "--json"});
    ASSERT_EXIT_CODE(a, kOk);
    const RunResult b = host({"eval", "-d", data, "-g", "direct", "--json"});
    ASSERT_EXIT_CODE(b, kOk);
    const std::string ida = parse_json(a.out)["id"].GetString();
    const std::string idb = parse_json(b.out)["id"].GetString();
    const RunResult c = host({"eval", "compare", ida, idb});
    ASSERT_EXIT_CODE(c, kOk);
    EXPECT_THAT(c.out, HasSubstr("30 paired examples"));
    EXPECT_THAT(c.out, HasSubstr("McNemar"));
    const RunResult cj = host({"eval", "compare", ida, idb, "--json"});
    const json::Document doc = parse_json(cj.out);
    EXPECT_EQ(doc["paired"].GetInt(), 30);
    EXPECT_EQ(doc["a_accuracy"]["passed"].GetInt(),
              parse_json(a.out)["accuracy"]["passed"].GetInt());
    const double mean = doc["score_difference"]["mean"].GetDouble();
    EXPECT_LE(doc["score_difference"]["interval95"][0].GetDouble(), mean);
    EXPECT_GE(doc["score_difference"]["interval95"][1].GetDouble(), mean);

    // Other data: no pairing.
    const RunResult other = host({"eval", "-d", dataset("arithmetic.jsonl", 5), "--json"});
    ASSERT_EXIT_CODE(other, kOk);
    const RunResult refused =
        host({"eval", "compare", ida, parse_json(other.out)["id"].GetString()});
    EXPECT_EXIT_CODE(refused, kUsage);
    EXPECT_THAT(refused.err, HasSubstr("different data"));
    const RunResult unknown = host({"eval", "compare", ida, "e-nope"});
    EXPECT_EXIT_CODE(unknown, kNotFound);
}

TEST_F(GraphEvalTest, ABadLineRefusesTheWholeEvaluationBeforeAnyRun) {
    const fs::path data = root() / "bad.jsonl";
    std::ofstream(data) << R"({"input":"2+2","expected":"4"})"
                        << "\n"
                        << R"({"expected":"5"})"
                        << "\n";
    const RunResult r = host({"eval", "--dataset", data.string()});
    EXPECT_EXIT_CODE(r, kUsage);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("bad.jsonl:2: no \"input\""));
    EXPECT_EQ(list().Size(), 0u);
    const RunResult runs = host({"runs", "list", "--json"});
    EXPECT_EQ(parse_json(runs.out).Size(), 0u);
}

TEST_F(GraphEvalTest, AnUnknownJudgeOrGraphIsRefusedBeforeAnyRun) {
    const std::string data = dataset("general.jsonl", 3);
    const RunResult judge = host({"eval", "--dataset", data, "--judge", "rulez"});
    EXPECT_EXIT_CODE(judge, kNotFound);
    EXPECT_THAT(judge.err, HasSubstr("did you mean \"rules\""));
    const RunResult graph = host({"eval", "--dataset", data, "--graph", "nope"});
    EXPECT_NE(graph.exit_code, kOk);
    EXPECT_EQ(list().Size(), 0u);
    const RunResult usage = host({"eval", "--dataset", data, "--concurrency", "0"});
    EXPECT_EXIT_CODE(usage, kUsage);
}

TEST_F(GraphEvalTest, CtrlCKeepsWhatFinishedAndMarksTheEvaluationIncomplete) {
    use_sim(1); // the simulated models take their time: the evaluation is still running
    const std::string data = dataset("arithmetic.jsonl", 40);
    auto p = start({"eval", "--dataset", data, "--graph", "direct", "--concurrency", "2"});
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    p->send_signal(SIGINT);
    const RunResult r = p->finish();
    EXPECT_EXIT_CODE(r, kCancelled);
    EXPECT_THAT(r.out, HasSubstr("interrupted: "));
    EXPECT_THAT(r.err, HasSubstr("is recorded as incomplete"));
    const json::Document evals = list();
    ASSERT_EQ(evals.Size(), 1u);
    EXPECT_STREQ(evals[0]["status"].GetString(), "incomplete");
}

} // namespace
} // namespace tinyllm::e2e
