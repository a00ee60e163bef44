// `tinyllm failures analyze` end to end: real runs of small graphs against the fake server that
// fail the ways forensics tells apart (a gate that stops, a model that never stops calling tools,
// a model server that is down), one that a gate sent back before it passed, and one graded wrong
// by a judge (recorded through the store library, as an evaluation would); then the table, --json,
// an empty window and the usage errors.
#include "e2e_support.hpp"

#include "store/run_store.hpp"

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ToolCall;

// The gate accepts only an answer that shows its computation; one retry with feedback.
const char *kCheckedGraph =
    "id: checked\n"
    "version: 1.0.0\n"
    "entry: solve\n"
    "exits: [done]\n"
    "nodes:\n"
    "  - id: solve\n"
    "    type: model\n"
    "    max_visits: 3\n"
    "    config: {prompt: \"{{input}}\", stream: false}\n"
    "  - id: check\n"
    "    type: gate\n"
    "    config:\n"
    "      rules: [{type: non_empty}, {type: numeric_answer, require: true}]\n"
    "      max_feedback: 1\n"
    "      escalate: false\n"
    "  - id: done\n"
    "    type: passthrough\n"
    "edges:\n"
    "  - {from: solve, to: check}\n"
    "  - {from: check, to: done, when: 'route == \"pass\"'}\n"
    "  - {from: check, to: solve, when: 'route == \"retry\"'}\n";

// A model that may call the calculator once.
const char *kToolsGraph = "id: looping\n"
                          "version: 1.0.0\n"
                          "entry: solve\n"
                          "exits: [solve]\n"
                          "nodes:\n"
                          "  - id: solve\n"
                          "    type: model\n"
                          "    config:\n"
                          "      prompt: \"{{input}}\"\n"
                          "      tools: [calculator]\n"
                          "      max_tool_rounds: 1\n"
                          "      stream: false\n";

class FailuresTest : public E2ETest {
protected:
    void SetUp() override {
        std::filesystem::create_directories(config_dir() / "graphs");
        write_config_file("graphs/checked.yaml", kCheckedGraph);
        write_config_file("graphs/looping.yaml", kToolsGraph);
    }

    // `tinyllm run --graph G --json PROMPT`: the run's id (the JSON is printed for failed runs
    // too), checking the exit code.
    std::string run_graph(const std::string &graph, const std::string &prompt, int exit_code) {
        const RunResult r = host({"run", "--graph", graph, "--json", prompt});
        EXPECT_EXIT_CODE(r, exit_code);
        const json::Document doc = parse_json(r.out);
        if (!doc.IsObject() || !doc.HasMember("run_id")) {
            ADD_FAILURE() << "no run_id: " << r.describe();
            return "";
        }
        return doc["run_id"].GetString();
    }

    void answer(const std::string &content, const std::vector<ToolCall> &tools = {}) {
        ollama_.enqueue("/api/chat", testing::chat_json(kModel, content, tools));
    }

    // What a judge would record of a run's answer, with an escape sequence in its reason that
    // must not reach the terminal.
    void grade_wrong(const std::string &run_id) {
        store::StoreOptions options;
        options.path = root() / "data" / "runs.db";
        const auto store = store::RunStore::open(options);
        store::GradeRecord g;
        g.run_id = run_id;
        g.judge = "rules";
        g.pass = false;
        g.score = 0;
        g.reasons = R"(["\u001b[31mthe answer's final number 84 is not 85"])";
        g.labels = R"({"check":"numeric","failure":"wrong_number"})";
        store->record_grade(g);
    }

    struct Runs {
        std::string graded, recovered, stopped, looped, down;
    };

    // Five runs, the newest last: the order the report lists examples in is the reverse.
    Runs make_runs() {
        Runs ids;
        answer("12 * 7 = 84");
        ids.graded = run_graph("checked", "What is 12*7?", kOk);
        grade_wrong(ids.graded);

        answer("It is 84.");
        answer("12 * 7 = 84");
        ids.recovered = run_graph("checked", "What is 12*7?", kOk);

        answer("It is 85.");
        answer("It is 85.");
        ids.stopped = run_graph("checked", "What is 12*7?", kFailure);

        answer("", {{"calculator", R"({"expression":"2+2"})"}});
        answer("", {{"calculator", R"({"expression":"2+2"})"}});
        ids.looped = run_graph("looping", "What is 2+2?", kFailure);

        const RefusingPort dead;
        write_config_file("models.yaml", models_yaml(dead.url()));
        ids.down = run_graph("checked", "What is 12*7?", kUnavailable);
        write_config_file("models.yaml", models_yaml(ollama_.url()));
        return ids;
    }
};

const json::Value *category(const json::Document &doc, const std::string &name,
                            const std::string &key) {
    for (const json::Value &c : doc["categories"].GetArray()) {
        if (name == c["category"].GetString() && key == c["key"].GetString()) return &c;
    }
    ADD_FAILURE() << "no category " << name << " " << key << " in " << json::to_string(doc);
    return nullptr;
}

TEST_F(FailuresTest, GroupsRealFailuresByCauseAndBlamesTheNode) {
    const Runs ids = make_runs();
    const RunResult r = host({"failures", "analyze", "--last", "100"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.err, "");
    const std::string &out = r.out;
    EXPECT_THAT(out, HasSubstr("Failures in the last 5 runs: 4 failed or weak (3 failed, 1 graded "
                               "low or empty)"));
    // The table, one line per category.
    EXPECT_THAT(out, HasSubstr("gate rule: numeric_answer"));
    EXPECT_THAT(out, HasSubstr("tool-call loop bound"));
    EXPECT_THAT(out, HasSubstr("backend unavailable: unavailable"));
    EXPECT_THAT(out, HasSubstr("judge verdict: failure=wrong_number"));
    EXPECT_THAT(out, HasSubstr("25.0%"));
    // The blocks: the examples with the failure's excerpt, and the next step.
    EXPECT_THAT(
        out, HasSubstr("  " + ids.stopped + "  check: the answer shows no computation to check"));
    EXPECT_THAT(out, HasSubstr("  " + ids.looped +
                               "  the model still asked for tools after 1 "
                               "rounds (max_tool_rounds)"));
    EXPECT_THAT(out, HasSubstr("  " + ids.down + "  qwen2.5:0.5b on backend local: "));
    EXPECT_THAT(out, HasSubstr("  " + ids.graded +
                               "  rules (score 0.00): [31mthe answer's final number 84 is not 85"));
    EXPECT_THAT(out, HasSubstr("next: wrong arithmetic from solve"));
    EXPECT_THAT(out, HasSubstr("next: solve still asked for tools after max_tool_rounds"));
    EXPECT_THAT(out, HasSubstr("next: the model server did not answer solve"));
    // The run a gate sent back once is not a failure.
    EXPECT_THAT(out, HasSubstr("Recovered (ended well, not counted above): 1 run; a gate sent the "
                               "answer back: numeric_answer 1"));
    EXPECT_THAT(out, Not(HasSubstr(ids.recovered)));
    // Nothing from the trace drives the terminal.
    EXPECT_EQ(out.find('\x1b'), std::string::npos);
}

TEST_F(FailuresTest, JsonHasEveryFindingWithItsCategoryAndNode) {
    const Runs ids = make_runs();
    const RunResult r = host({"failures", "analyze", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    EXPECT_EQ(doc["runs"].GetInt(), 5);
    EXPECT_EQ(doc["failed"].GetInt(), 3);
    EXPECT_EQ(doc["weak"].GetInt(), 1);
    EXPECT_EQ(doc["window"]["last"].GetInt(), 100);
    EXPECT_TRUE(doc["window"]["evaluation"].IsNull());

    const json::Value *gate = category(doc, "gate_rule", "numeric_answer");
    ASSERT_NE(gate, nullptr);
    EXPECT_EQ((*gate)["count"].GetInt(), 1);
    EXPECT_DOUBLE_EQ((*gate)["share"].GetDouble(), 0.25);
    EXPECT_STREQ((*gate)["blamed"][0]["node"].GetString(), "solve");
    EXPECT_EQ((*gate)["examples"][0]["run_id"].GetString(), ids.stopped);
    EXPECT_NE(category(doc, "tool_loop", ""), nullptr);
    EXPECT_NE(category(doc, "backend_unavailable", "unavailable"), nullptr);
    EXPECT_NE(category(doc, "judge_verdict", "failure=wrong_number"), nullptr);

    std::map<std::string, std::string> found; // run id -> category
    for (const json::Value &f : doc["findings"].GetArray()) {
        found[f["run_id"].GetString()] = f["category"].GetString();
        EXPECT_STREQ(f["node"].GetString(), "solve");
    }
    EXPECT_EQ(found, (std::map<std::string, std::string>{{ids.stopped, "gate_rule"},
                                                         {ids.looped, "tool_loop"},
                                                         {ids.down, "backend_unavailable"},
                                                         {ids.graded, "judge_verdict"}}));
    EXPECT_EQ(doc["recovered"]["runs"].GetInt(), 1);
    EXPECT_STREQ(doc["recovered"]["gate_rules"][0]["rule"].GetString(), "numeric_answer");

    // --graph narrows the window; --last takes the newest.
    const json::Document looping =
        parse_json(host({"failures", "analyze", "--graph", "looping", "--json"}).out);
    EXPECT_EQ(looping["runs"].GetInt(), 1);
    EXPECT_STREQ(looping["categories"][0]["category"].GetString(), "tool_loop");
    const json::Document newest =
        parse_json(host({"failures", "analyze", "--last", "1", "--json"}).out);
    EXPECT_EQ(newest["runs"].GetInt(), 1);
    EXPECT_STREQ(newest["findings"][0]["run_id"].GetString(), ids.down.c_str());
}

TEST_F(FailuresTest, AnEmptyWindowSaysSo) {
    const RunResult none = host({"failures", "analyze"});
    ASSERT_EXIT_CODE(none, kOk);
    EXPECT_THAT(none.out, HasSubstr("no finished runs in the window (the last 0 runs, in "));

    answer("12 * 7 = 84");
    run_graph("checked", "What is 12*7?", kOk);
    const RunResult fine = host({"failures", "analyze", "--last", "100"});
    ASSERT_EXIT_CODE(fine, kOk);
    EXPECT_EQ(fine.out, "no failed or low-graded runs in the last 1 run\n");
    const RunResult since = host({"failures", "analyze", "--since", "1h", "--graph", "checked"});
    ASSERT_EXIT_CODE(since, kOk);
    EXPECT_THAT(since.out, HasSubstr("no failed or low-graded runs in the last 1 run of graph "
                                     "checked started since "));
}

TEST_F(FailuresTest, BadArgumentsAreUsageErrorsAndAnUnknownEvaluationIsNotFound) {
    for (const std::vector<std::string> &args :
         {std::vector<std::string>{"failures", "analyze", "--last", "0"},
          {"failures", "analyze", "--min-score", "2"},
          {"failures", "analyze", "--since", "tomorrow"},
          {"failures", "analyze", "--evaluation", "e-1", "--last", "5"},
          {"failures", "explain"}}) {
        const RunResult r = host(args);
        EXPECT_EXIT_CODE(r, kUsage);
        EXPECT_TRUE(OneErrorLine(r));
    }
    const RunResult unknown = host({"failures", "analyze", "--evaluation", "e-nope"});
    EXPECT_EXIT_CODE(unknown, kNotFound);
    EXPECT_THAT(unknown.err, HasSubstr("no evaluation e-nope is recorded in "));
}

} // namespace
} // namespace tinyllm::e2e
