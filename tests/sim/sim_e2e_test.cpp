// The shipped simulation config (config/sim) end to end: the real binary runs the default graph
// on simulated models for dataset inputs (time_scale 0, so no sleeping), the router sends each
// to its labelled route, the specialists and gates answer and check, and `models list` shows
// the simulated models.
#include "e2e_support.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;

std::string read_file(const fs::path &path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class SimE2ETest : public E2ETest {
protected:
    SimE2ETest() {
        // The shipped models.yaml, with sleeping off: its line "time_scale: 1" must be there.
        std::string models = read_file(kSourceConfigDir / "sim" / "models.yaml");
        const std::string line = "time_scale: 1 ";
        const size_t at = models.find(line);
        if (at == std::string::npos) throw std::runtime_error("config/sim/models.yaml changed");
        models.replace(at, line.size(), "time_scale: 0 ");
        write_config_file("models.yaml", models);
        fs::create_directories(config_dir() / "graphs");
        fs::copy_file(kSourceConfigDir / "graphs" / "default.yaml",
                      config_dir() / "graphs" / "default.yaml");
    }

    // The simulated math specialist gets most word problems wrong (and its gate cannot catch
    // them); the role's bigger model gets them right.
    void weak_math_specialist() {
        std::string models = read_file(config_dir() / "models.yaml");
        const auto set = [&](const std::string &from, const std::string &to) {
            const size_t at = models.find(from);
            if (at == std::string::npos) throw std::runtime_error("models.yaml: no " + from);
            models.replace(at, from.size(), to);
        };
        set("slip_rate: 0.5 ", "slip_rate: 0.0 ");
        set("accuracy: {routing: 0.85, arithmetic: 0.8, word_problems: 0.55",
            "accuracy: {routing: 0.85, arithmetic: 0.9, word_problems: 0.3");
        set("accuracy: {routing: 0.9, arithmetic: 0.9, word_problems: 0.7",
            "accuracy: {routing: 0.9, arithmetic: 0.95, word_problems: 0.95");
        write_config_file("models.yaml", models);
    }

    // The 235 arithmetic and word problems of tests/data/eval, as one dataset.
    fs::path math_dataset() {
        const fs::path data = kSourceConfigDir / ".." / "tests" / "data" / "eval";
        const fs::path math = root() / "math.jsonl";
        std::ofstream(math) << read_file(data / "arithmetic.jsonl")
                            << read_file(data / "word_problems.jsonl");
        return math;
    }

    // The node ids the run went through, and the router's route and stage.
    struct Path {
        std::vector<std::string> nodes;
        std::string route;
        std::string stage;
    };
    static Path path_of(const json::Value &trace) {
        Path p;
        for (const auto &node : trace["nodes"].GetArray()) {
            p.nodes.emplace_back(node["node"].GetString());
            if (p.nodes.size() == 1) {
                const json::Value &out = node["output"];
                const json::Document message =
                    out.IsString() ? parse_json(out.GetString()) : parse_json(json::to_string(out));
                p.route = message["data"]["router"]["route"].GetString();
                p.stage = message["data"]["router"]["stage"].GetString();
            }
        }
        return p;
    }
};

TEST_F(SimE2ETest, DatasetInputsTakeTheirLabelledRouteAndPass) {
    struct Case {
        const char *input;
        const char *route;
        const char *stage; // the router stage that decides it
    };
    const Case cases[] = {
        {"What is 38 * 13?", "math", "rules"},
        {"Implement `is_palindrome(s)` in Python: it returns True if the string s reads the same "
         "forwards and backwards, ignoring case.",
         "code", "rules"},
        {"What is the capital of Japan?", "general", "model"},
    };
    for (const Case &c : cases) {
        const RunResult r = host({"run", "--trace", c.input});
        ASSERT_EXIT_CODE(r, kOk);
        const json::Document doc = parse_json(r.out);
        ASSERT_TRUE(doc.IsObject()) << r.out;
        const Path p = path_of(doc["trace"]);
        EXPECT_EQ(p.route, c.route) << c.input;
        EXPECT_EQ(p.stage, c.stage) << c.input;
        ASSERT_GE(p.nodes.size(), 4u);
        EXPECT_EQ(p.nodes[1], "specialist." + std::string(c.route));
        EXPECT_EQ(p.nodes[2], std::string(c.route) + "_check");
        EXPECT_EQ(p.nodes.back(), "done");
        EXPECT_FALSE(std::string(doc["answer"].GetString()).empty());
    }
}

TEST_F(SimE2ETest, VerboseShowsTheSimulatedModelsDecisions) {
    const RunResult r = host({"run", "-v", "What is 38 * 13?"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_THAT(r.err, HasSubstr("router: route math (rules"));
    EXPECT_THAT(r.err, HasSubstr("math_check: "));
    EXPECT_THAT(r.out, HasSubstr("The answer is "));
}

TEST_F(SimE2ETest, ARequestNoDatasetHoldsGetsTheLabelledReply) {
    const RunResult r = host({"run", "tell me something nice"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_THAT(r.out, HasSubstr("[simulated qwen-sim-"));
    EXPECT_THAT(r.out, HasSubstr("no dataset example matches this request"));
}

TEST_F(SimE2ETest, ModelsListShowsTheSimulatedModels) {
    const RunResult r = host({"models", "list", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject()) << r.out;
    std::vector<std::string> names;
    for (const auto &m : doc["models"].GetArray()) {
        names.emplace_back(m["name"].GetString());
        EXPECT_STREQ(m["backend"].GetString(), "simulated");
        EXPECT_TRUE(m["present"].GetBool());
    }
    EXPECT_EQ(names, (std::vector<std::string>{"qwen-sim-0.5b", "qwen-sim-1.5b", "qwen-sim-3b"}));
}

// Graph versions end to end: a file edit that ran is a new version (its declared label taken, so
// it gets the content's hash), diffed, rolled back (new runs record the older version), exported
// as YAML, and a rollback to a version that does not exist lists the ones that do.
TEST_F(SimE2ETest, GraphVersionsRecordEditsDiffRollbackAndExport) {
    ASSERT_EXIT_CODE(host({"run", "What is 38 * 13?"}), kOk);
    const fs::path file = config_dir() / "graphs" / "default.yaml";
    std::string text = read_file(file);
    const size_t at = text.find("max_feedback: 1");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 15, "max_feedback: 2");
    std::ofstream(file, std::ios::trunc) << text;
    ASSERT_EXIT_CODE(host({"run", "What is 38 * 13?"}), kOk);

    const RunResult listed = host({"graph", "versions", "default", "--json"});
    ASSERT_EXIT_CODE(listed, kOk);
    const json::Document versions = parse_json(listed.out);
    ASSERT_EQ(versions["versions"].Size(), 2u) << listed.out;
    const std::string edited = versions["versions"][1]["version"].GetString();
    EXPECT_EQ(edited.rfind("3.2.0+", 0), 0u) << edited;
    EXPECT_EQ(std::string(versions["active"].GetString()), edited);
    EXPECT_EQ(std::string(versions["versions"][1]["parent"].GetString()), "3.2.0");

    const RunResult diff = host({"graph", "diff", "default", "3.2.0", edited});
    ASSERT_EXIT_CODE(diff, kOk);
    EXPECT_THAT(diff.out, HasSubstr("~ node math_check: config.max_feedback: 1 -> 2"));

    ASSERT_EXIT_CODE(host({"graph", "rollback", "default", "--version", "3.2.0"}), kOk);
    ASSERT_EXIT_CODE(host({"run", "What is 38 * 13?"}), kOk);
    const RunResult runs = host({"runs", "list", "--json"});
    ASSERT_EXIT_CODE(runs, kOk);
    const json::Document list = parse_json(runs.out);
    EXPECT_EQ(std::string(list[0]["graph_version"].GetString()), "3.2.0") << runs.out;
    EXPECT_EQ(std::string(list[1]["graph_version"].GetString()), edited) << runs.out;

    const RunResult exported = host({"graph", "export", "default", "--version", edited});
    ASSERT_EXIT_CODE(exported, kOk);
    EXPECT_THAT(exported.out, HasSubstr("max_feedback: 2"));
    EXPECT_THAT(exported.out, HasSubstr("id: default"));

    const RunResult missing = host({"graph", "rollback", "default", "--version", "2.0.0"});
    EXPECT_EXIT_CODE(missing, kNotFound);
    EXPECT_THAT(missing.err, HasSubstr("no version 2.0.0 (versions: 3.2.0, " + edited + ")"));
}

// The trigger as grades are recorded: an evaluation of word problems, which the simulated math
// specialist gets wrong often, puts specialist.math over a low threshold, and expansion status
// lists it as pending (once), with its counts.
TEST_F(SimE2ETest, ExpansionStatusShowsANodeOverItsThresholdAsPending) {
    write_config_file("expansion.yaml", "trigger: {min_requests: 10, max_failure_rate: 0.05}\n");
    const fs::path dataset =
        kSourceConfigDir / ".." / "tests" / "data" / "eval" / "word_problems.jsonl";
    const RunResult eval = host({"eval", "--dataset", dataset.string(), "--limit", "40", "--json"});
    ASSERT_TRUE(eval.exit_code == kOk || eval.exit_code == kFailure) << eval.describe();
    const RunResult status = host({"expansion", "status", "--json"});
    ASSERT_EXIT_CODE(status, kOk);
    const json::Document doc = parse_json(status.out);
    ASSERT_EQ(doc["pending"].Size(), 1u) << status.out;
    EXPECT_EQ(std::string(doc["pending"][0]["node"].GetString()), "specialist.math");
    bool found = false;
    for (const auto &n : doc["nodes"].GetArray()) {
        if (std::string(n["node"].GetString()) != "specialist.math") continue;
        found = true;
        EXPECT_GE(n["graded"].GetInt64(), 10);
        EXPECT_TRUE(n["over_threshold"].GetBool());
    }
    EXPECT_TRUE(found) << status.out;
    const RunResult text = host({"expansion", "status"});
    ASSERT_EXIT_CODE(text, kOk);
    EXPECT_THAT(text.out, HasSubstr("default/specialist.math (3.2.0) since"));
}

// Done-when of self-improvement on the simulation: a math specialist whose model gets most word
// problems wrong (and whose wrong answers its gate cannot catch) goes over the threshold after
// an evaluation; expansion trigger has escalate_model propose the role's bigger model, replays
// it on the recorded requests until the sequential test promotes it; new runs use the promoted
// version, and a rollback to the version before restores it.
TEST_F(SimE2ETest, ATriggeredExpansionIsPromotedServesNewRunsAndRollsBack) {
    weak_math_specialist();
    const fs::path math = math_dataset();
    const RunResult eval = host({"eval", "--dataset", math.string(), "--json"});
    ASSERT_TRUE(eval.exit_code == kOk || eval.exit_code == kFailure) << eval.describe();

    const json::Document status = parse_json(host({"expansion", "status", "--json"}).out);
    ASSERT_EQ(status["pending"].Size(), 1u);
    EXPECT_EQ(std::string(status["pending"][0]["node"].GetString()), "specialist.math");

    const RunResult trigger = host({"expansion", "trigger", "--node", "specialist.math",
                                    "--strategy", "escalate_model", "--json"});
    ASSERT_EXIT_CODE(trigger, kOk);
    const json::Document t = parse_json(trigger.out);
    ASSERT_EQ(t["experiments"].Size(), 1u) << trigger.out;
    EXPECT_EQ(std::string(t["experiments"][0]["status"].GetString()), "promoted") << trigger.out;
    EXPECT_EQ(std::string(t["active_version"].GetString()), "3.3.0");

    const auto version_of_next_run = [&] {
        const RunResult r = host({"run", "--json", "What is 38 * 13?"});
        EXPECT_EXIT_CODE(r, kOk);
        return std::string(parse_json(r.out)["graph_version"].GetString());
    };
    EXPECT_EQ(version_of_next_run(), "3.3.0");
    const RunResult diff = host({"graph", "diff", "default", "3.2.0", "3.3.0"});
    EXPECT_THAT(diff.out, HasSubstr("~ node specialist.math: config.model"));
    ASSERT_EXIT_CODE(host({"graph", "rollback", "default", "--version", "3.2.0"}), kOk);
    EXPECT_EQ(version_of_next_run(), "3.2.0");

    // A second experiment while one is... none is in progress now; the node's history shows it.
    const json::Document after = parse_json(host({"expansion", "status", "--json"}).out);
    ASSERT_GE(after["decided"].Size(), 1u);
    EXPECT_EQ(std::string(after["decided"][0]["status"].GetString()), "promoted");
}

// Live traffic: with experiment.live_share, a candidate that passes screening is not decided
// on replays but goes live; the next evaluations send about that share of their examples to it
// (the rest to the active version), both graded by the same judge, until the sequential test
// promotes it; while it is live the node takes no second experiment.
TEST_F(SimE2ETest, ALiveExperimentSplitsGradedTrafficUntilTheTestPromotes) {
    weak_math_specialist();
    // min_pairs above what one evaluation can pair: the first one splits all its examples.
    write_config_file("expansion.yaml", "experiment: {live_share: 0.5, min_pairs: 150}\n");
    const fs::path math = math_dataset();
    const RunResult eval = host({"eval", "--dataset", math.string(), "--json"});
    ASSERT_TRUE(eval.exit_code == kOk || eval.exit_code == kFailure) << eval.describe();

    const RunResult trigger = host({"expansion", "trigger", "--node", "specialist.math",
                                    "--strategy", "escalate_model", "--json"});
    ASSERT_EXIT_CODE(trigger, kOk);
    const json::Document t = parse_json(trigger.out);
    ASSERT_EQ(t["experiments"].Size(), 1u) << trigger.out;
    const json::Value &x = t["experiments"][0];
    EXPECT_EQ(std::string(x["status"].GetString()), "live") << trigger.out;
    EXPECT_TRUE(x["evidence"].HasMember("screening")) << trigger.out;
    EXPECT_FALSE(x["evidence"].HasMember("decision")) << trigger.out;
    EXPECT_EQ(std::string(t["active_version"].GetString()), "3.2.0");
    const std::string id = x["experiment"].GetString();
    const RunResult second = host({"expansion", "trigger", "--node", "specialist.math"});
    EXPECT_NE(second.exit_code, kOk);
    EXPECT_THAT(second.err, HasSubstr("already has experiment " + id + " in progress"));

    std::string outcome;
    for (int round = 0; round < 4 && outcome.empty(); ++round) {
        const RunResult live = host({"eval", "--dataset", math.string(), "--json"});
        ASSERT_TRUE(live.exit_code == kOk || live.exit_code == kFailure) << live.describe();
        const json::Document doc = parse_json(live.out);
        ASSERT_TRUE(doc.HasMember("live_experiment")) << live.out;
        const json::Value &lx = doc["live_experiment"];
        EXPECT_EQ(std::string(lx["id"].GetString()), id);
        EXPECT_EQ(std::string(lx["candidate_version"].GetString()), "3.3.0");
        size_t candidate = 0;
        for (const auto &r : doc["results"].GetArray())
            candidate += std::string(r["arm"].GetString()) == "candidate" ? 1 : 0;
        EXPECT_EQ(candidate, lx["candidate_examples"].GetUint64());
        if (round == 0) {
            EXPECT_EQ(std::string(lx["outcome"].GetString()), "");
            // About half of 235 (binomial: 5 standard deviations either way).
            EXPECT_GT(candidate, 117u - 38u);
            EXPECT_LT(candidate, 117u + 38u);
        }
        outcome = lx["outcome"].GetString();
    }
    EXPECT_THAT(outcome, HasSubstr("promoted: live traffic: candidate better"));
    const json::Document status = parse_json(host({"expansion", "status", "--json"}).out);
    ASSERT_GE(status["decided"].Size(), 1u);
    EXPECT_EQ(std::string(status["decided"][0]["id"].GetString()), id);
    EXPECT_EQ(std::string(status["decided"][0]["status"].GetString()), "promoted");
    const RunResult r = host({"run", "--json", "What is 38 * 13?"});
    EXPECT_EQ(std::string(parse_json(r.out)["graph_version"].GetString()), "3.3.0");
}

// The judge unavailable during an experiment: the replays' grades are missing, so the
// experiment pauses (exit 5) and decides nothing; resume pauses again while the judge still
// fails, and once it works runs the experiment to a decision. cancel ends one by hand.
TEST_F(SimE2ETest, AnExperimentPausesWhileItsJudgeFailsAndResumes) {
    weak_math_specialist();
    write_config_file("judges.yaml", read_file(kSourceConfigDir / "sim" / "judges.yaml") +
                                         "  - name: flaky\n"
                                         "    type: llm\n"
                                         "    config: {prompt_id: grading/answer_quality, "
                                         "model: no-such-model}\n");
    write_config_file("expansion.yaml", "experiment: {judge: flaky}\n");
    const fs::path math = math_dataset();
    const RunResult eval = host({"eval", "--dataset", math.string(), "--json"});
    ASSERT_TRUE(eval.exit_code == kOk || eval.exit_code == kFailure) << eval.describe();

    const RunResult trigger = host({"expansion", "trigger", "--node", "specialist.math",
                                    "--strategy", "escalate_model", "--json"});
    ASSERT_EXIT_CODE(trigger, kUnavailable);
    const json::Document t = parse_json(trigger.out);
    const json::Value &x = t["experiments"][0];
    EXPECT_EQ(std::string(x["status"].GetString()), "paused") << trigger.out;
    EXPECT_THAT(x["decision"].GetString(), HasSubstr("judge flaky gave no verdict"));
    EXPECT_EQ(std::string(t["active_version"].GetString()), "3.2.0");
    const std::string id = x["experiment"].GetString();
    EXPECT_EXIT_CODE(host({"expansion", "resume", id}), kUnavailable);
    const json::Document status = parse_json(host({"expansion", "status", "--json"}).out);
    ASSERT_EQ(status["experiments"].Size(), 1u);
    EXPECT_EQ(std::string(status["experiments"][0]["status"].GetString()), "paused");

    // The judge works again (an exact judge under the same name).
    write_config_file("judges.yaml", read_file(kSourceConfigDir / "sim" / "judges.yaml") +
                                         "  - name: flaky\n    type: rules\n");
    const RunResult resumed = host({"expansion", "resume", id, "--json"});
    ASSERT_EXIT_CODE(resumed, kOk);
    EXPECT_EQ(std::string(parse_json(resumed.out)["status"].GetString()), "promoted")
        << resumed.out;
    EXPECT_EXIT_CODE(host({"expansion", "resume", id}), kFailure);
    const RunResult cancel = host({"expansion", "cancel", id});
    EXPECT_NE(cancel.exit_code, kOk);
    EXPECT_THAT(cancel.err, HasSubstr("has already ended (promoted)"));
    EXPECT_EXIT_CODE(host({"expansion", "cancel", "x-nope"}), kNotFound);
}

// Pruning: a route the router hardly ever takes (a "legal" specialist no dataset asks for) is
// proposed for removal; --dry-run only lists it; prune tests the graph without it on the graph's
// recorded requests and promotes it as no worse; the removed node stays in the version before.
TEST_F(SimE2ETest, PruneRemovesARouteHardlyAnyRequestTakesThroughTheABGate) {
    std::string graph = read_file(config_dir() / "graphs" / "default.yaml");
    const auto set = [&](const std::string &from, const std::string &to) {
        const size_t at = graph.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        graph.replace(at, from.size(), to);
    };
    set("routes: [math, code, general]", "routes: [math, code, general, legal]");
    set("  - id: math_check\n", "  - id: specialist.legal\n    type: model\n"
                                "    config: {prompt_id: specialists/general}\n"
                                "    answer: true\n  - id: math_check\n");
    set("\nedges:\n", "\nedges:\n"
                      "  - {from: router, to: specialist.legal, when: 'route == \"legal\"'}\n"
                      "  - {from: specialist.legal, to: done}\n");
    write_config_file("graphs/default.yaml", graph);
    write_config_file("expansion.yaml", "prune: {min_share: 0.1}\n");
    const fs::path data = kSourceConfigDir / ".." / "tests" / "data" / "eval";
    const fs::path all = root() / "all.jsonl";
    std::ofstream(all) << read_file(data / "arithmetic.jsonl") << read_file(data / "code.jsonl")
                       << read_file(data / "general.jsonl");
    const RunResult eval = host({"eval", "--dataset", all.string(), "--json"});
    ASSERT_TRUE(eval.exit_code == kOk || eval.exit_code == kFailure) << eval.describe();

    const RunResult dry = host({"expansion", "prune", "--dry-run", "--json"});
    ASSERT_EXIT_CODE(dry, kOk);
    const json::Document d = parse_json(dry.out);
    EXPECT_EQ(d["runs"].GetInt64(), 345);
    ASSERT_EQ(d["proposals"].Size(), 1u) << dry.out;
    EXPECT_EQ(std::string(d["proposals"][0]["node"].GetString()), "specialist.legal");
    EXPECT_EQ(std::string(d["proposals"][0]["how"].GetString()), "route legal removed from router");
    EXPECT_FALSE(d["proposals"][0].HasMember("experiment"));
    EXPECT_EQ(std::string(d["active_version"].GetString()), "3.2.0");

    const RunResult prune = host({"expansion", "prune", "--json"});
    ASSERT_EXIT_CODE(prune, kOk);
    const json::Document p = parse_json(prune.out);
    const json::Value &x = p["proposals"][0]["experiment"];
    EXPECT_EQ(std::string(x["status"].GetString()), "promoted") << prune.out;
    EXPECT_THAT(x["decision"].GetString(), HasSubstr("no worse without the node"));
    EXPECT_EQ(std::string(p["active_version"].GetString()), "3.3.0");
    const RunResult diff = host({"graph", "diff", "default", "3.2.0", "3.3.0"});
    EXPECT_THAT(diff.out, HasSubstr("- node specialist.legal (model)"));
    const json::Document versions =
        parse_json(host({"graph", "versions", "default", "--json"}).out);
    ASSERT_EQ(versions["versions"].Size(), 2u);
    EXPECT_EQ(std::string(versions["versions"][1]["origin"].GetString()), "ablation");
    const RunResult again = host({"expansion", "prune"});
    ASSERT_EXIT_CODE(again, kOk);
    EXPECT_THAT(again.out, HasSubstr("default 3.3.0"));
    EXPECT_THAT(again.out, HasSubstr("nothing to prune"));
}

// Bad input: a node the graph does not have, a strategy nobody provides, a node without graded
// runs: one line each, the usual exit codes, nothing recorded.
TEST_F(SimE2ETest, ExpansionTriggerRefusesWhatItCannotDo) {
    const RunResult node = host({"expansion", "trigger", "--node", "specialist.maths"});
    EXPECT_EXIT_CODE(node, kNotFound);
    EXPECT_THAT(node.err, HasSubstr("did you mean \"specialist.math\""));
    const RunResult none = host({"expansion", "trigger", "--node", "specialist.math"});
    EXPECT_EXIT_CODE(none, kNotFound);
    EXPECT_THAT(none.err, HasSubstr("has no graded runs"));
    const RunResult usage = host({"expansion", "trigger"});
    EXPECT_EXIT_CODE(usage, kUsage);
}

// Bad mutations: a candidate graph the builder rejects (a model node config key the model
// plugin does not have) and a mutation whose call fails are recorded with their reasons, no
// experiment starts, and the live graph is untouched.
TEST_F(SimE2ETest, InvalidCandidatesAndFailingMutationsAreRecordedAndChangeNothing) {
    const fs::path dataset =
        kSourceConfigDir / ".." / "tests" / "data" / "eval" / "arithmetic.jsonl";
    const std::string plugin = TINYLLM_TEST_MUTATIONS_PLUGIN;
    const RunResult eval =
        host({"--plugins", plugin, "eval", "--dataset", dataset.string(), "--limit", "20"});
    ASSERT_TRUE(eval.exit_code == kOk || eval.exit_code == kFailure) << eval.describe();
    for (const char *strategy : {"touch", "failing"}) {
        const RunResult r = host({"--plugins", plugin, "expansion", "trigger", "--node",
                                  "specialist.math", "--strategy", strategy, "--json"});
        ASSERT_EXIT_CODE(r, kOk);
        const json::Document doc = parse_json(r.out);
        EXPECT_EQ(doc["candidates"].GetUint64(), 0u) << r.out;
        EXPECT_EQ(std::string(doc["active_version"].GetString()), "3.2.0");
    }
    const RunResult status_run = host({"--plugins", plugin, "expansion", "status", "--json"});
    const json::Document status = parse_json(status_run.out);
    std::map<std::string, std::string> rejected;
    for (const auto &e : status["rejected_candidates"].GetArray())
        rejected[e["kind"].GetString()] = e["detail"].GetString();
    EXPECT_THAT(rejected["invalid_candidate"], HasSubstr("touched")) << status_run.out;
    EXPECT_THAT(rejected["mutation_failed"], HasSubstr("down on purpose")) << status_run.out;
    EXPECT_EQ(status["experiments"].Size(), 0u);
    const json::Document versions =
        parse_json(host({"graph", "versions", "default", "--json"}).out);
    EXPECT_EQ(versions["versions"].Size(), 1u);
}

} // namespace
} // namespace tinyllm::e2e
