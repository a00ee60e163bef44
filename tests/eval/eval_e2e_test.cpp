// `tinyllm eval routing` end to end: the real binary with the router plugin from the build tree,
// on small hand-made datasets whose right answers are known. A rules-only router needs no model;
// a router with the model stage is answered by the scripted Ollama server, request by request,
// including model errors (the stage fails and the router answers its default: counted as the
// stage's failures). Calls that fail (error rows) and a node that ignores its deadline come from
// a scripted node of the tests' own (scripted_router_node.cpp): the router never fails a call
// on a model error.
#include "e2e_support.hpp"

#include <csignal>
#include <fstream>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Rules only: "calculate" or an arithmetic pattern is math, python/function is code, history
// is general; anything else goes to the default, general.
constexpr const char *kRulesGraph = R"(id: rules
version: 1.0.0
entry: router
exits: [math, code, general]
nodes:
  - id: router
    type: router
    config:
      routes: [math, code, general]
      default: general
      rules:
        math: {keywords: [calculate], patterns: ['\d+\s*[-+*/]\s*\d+']}
        code: {keywords: [python, function]}
        general: {keywords: [history]}
  - {id: math, type: passthrough}
  - {id: code, type: passthrough}
  - {id: general, type: passthrough}
edges:
  - {from: router, to: math, when: 'route == "math"'}
  - {from: router, to: code, when: 'route == "code"'}
  - {from: router, to: general, when: 'route == "general"'}
)";

// Nine requests, each with the route the rules above give it in the comment.
constexpr const char *kRulesDataset =
    R"({"id": "m1", "input": "calculate the area of a circle", "route": "math"}
{"id": "m2", "input": "2 + 2", "route": "math", "ambiguous": false}
{"id": "m3", "input": "what is twelve squared", "route": "math"}
{"id": "c1", "input": "write a python script", "route": "code"}
{"id": "c2", "input": "fix my function", "route": "code"}
{"id": "c3", "input": "python: calculate 3 * 4", "route": "code", "ambiguous": true, "note": "math 2, code 1"}

{"id": "g1", "input": "tell me about the history of Rome", "route": "general"}
{"id": "g2", "input": "hello there", "route": "general"}
{"id": "g3", "input": "calculate your happiness", "route": "general", "ambiguous": true}
)";
// m1 m2 rules math ok; m3 default general (wrong); c1 c2 rules code ok; c3 rules math (wrong);
// g1 rules general ok; g2 default general ok; g3 rules math (wrong).

// Two routers in a row, for --node.
constexpr const char *kTwoRoutersGraph = R"(id: two
version: 1.0.0
entry: first
exits: [second]
nodes:
  - id: first
    type: router
    config: {routes: [math, general], default: general, rules: {math: {keywords: [calculate]}}}
  - id: second
    type: router
    config: {routes: [code, general], default: general, rules: {code: {keywords: [python]}}}
edges:
  - {from: first, to: second}
)";

constexpr const char *kNoRouterGraph = R"(id: plain
version: 1.0.0
entry: p
exits: [p]
nodes:
  - {id: p, type: passthrough}
)";

// The rules stage, then the model stage with the prompt below.
constexpr const char *kModelGraph = R"(id: model
version: 1.0.0
entry: router
exits: [router]
nodes:
  - id: router
    type: router
    config:
      routes: [math, code, general]
      default: general
      rules:
        math: {keywords: [calculate]}
      model: {prompt_id: routing/test_classifier}
)";

constexpr const char *kPromptYaml = R"(id: routing/test_classifier
version: 1.0.0
description: Classifies a request for the eval tests.
model: {role: router}
system: |
  Pick one of {{routes}}.
template: |
  Request: {{input}}
variables:
  input: {description: The request.}
  routes: {required: false, description: The router's routes.}
format:
  type: object
  properties:
    route: {type: string, enum: [x]}
    confidence: {type: number}
  required: [route, confidence]
)";

// l1 the rules decide; the model answers l2, l3 right, l4 wrong, l7 right; fails on l5 and l6
// (the router falls back to general: right for l5, wrong for l6).
constexpr const char *kModelDataset =
    R"({"id": "l1", "input": "calculate 5 percent of 20", "route": "math"}
{"id": "l2", "input": "my loop never ends", "route": "code"}
{"id": "l3", "input": "tell me a joke", "route": "general"}
{"id": "l4", "input": "what is seven cubed", "route": "math"}
{"id": "l5", "input": "the model breaks here", "route": "general"}
{"id": "l6", "input": "the model breaks again", "route": "math"}
{"id": "l7", "input": "what is nine squared", "route": "math"}
)";

// The scripted node: routes to the first route its request names, else general; fails on
// "DOWN", never returns on "HANG". Not of type router: it is named with --node.
constexpr const char *kScriptedGraph = R"(id: scripted
version: 1.0.0
entry: r
exits: [r]
nodes:
  - id: r
    type: eval_scripted_router
    config: {routes: [math, code, general], default: general, fail_on: DOWN, hang_on: HANG}
)";
inline const std::string kEvalPluginDir = TINYLLM_EVAL_PLUGIN_DIR;

class EvalE2ETest : public E2ETest {
protected:
    EvalE2ETest() {
        std::filesystem::create_directories(config_dir() / "graphs");
        std::filesystem::create_directories(config_dir() / "prompts" / "routing");
        write_config_file("graphs/rules.yaml", kRulesGraph);
        write_config_file("graphs/two.yaml", kTwoRoutersGraph);
        write_config_file("graphs/plain.yaml", kNoRouterGraph);
        write_config_file("graphs/model.yaml", kModelGraph);
        write_config_file("graphs/scripted.yaml", kScriptedGraph);
        write_config_file("prompts/routing/test_classifier.yaml", kPromptYaml);
    }

    // Writes `text` to a file in the temp dir and returns its path.
    std::string dataset(const std::string &name, const std::string &text) const {
        const fs::path path = root() / name;
        std::ofstream(path, std::ios::binary) << text;
        return path.string();
    }

    RunResult eval(std::vector<std::string> args) const {
        args.insert(args.begin(), {"eval", "routing"});
        return host(std::move(args));
    }

    // `eval routing` of the scripted node, its plugin loaded.
    RunResult eval_scripted(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--plugins", kEvalPluginDir, "eval", "routing", "--graph",
                                   "scripted", "--node", "r"});
        return host(std::move(args));
    }

    // The model's answers by request: what the test scripts for each input.
    void script_model() {
        ollama_.set_default("POST", "/api/chat", [](const testing::Request &request) {
            const auto answer = [](const char *route, double confidence) {
                return testing::chat_json(kModel, std::string(R"({"route":")") + route +
                                                      R"(","confidence":)" +
                                                      std::to_string(confidence) + "}");
            };
            const std::string &body = request.body;
            if (body.find("my loop never ends") != std::string::npos) return answer("code", 0.9);
            if (body.find("tell me a joke") != std::string::npos) return answer("general", 0.8);
            if (body.find("seven cubed") != std::string::npos) return answer("code", 0.7);
            if (body.find("nine squared") != std::string::npos) return answer("math", 0.95);
            if (body.find("model breaks") != std::string::npos) {
                return testing::Reply::error(500, "model crashed");
            }
            if (body.find("model hangs") != std::string::npos) {
                return answer("code", 0.9).delay_headers(std::chrono::hours(1));
            }
            return testing::Reply::error(400, "unexpected request");
        });
    }
};

TEST_F(EvalE2ETest, TheRulesRoutersNumbersAreTheKnownOnes) {
    const std::string file = dataset("set.jsonl", kRulesDataset);
    const RunResult r = eval({"--dataset", file, "--graph", "rules", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.err, ""); // no progress bar off a terminal, no warnings
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject());
    EXPECT_STREQ(doc["graph"].GetString(), "rules");
    EXPECT_STREQ(doc["node"].GetString(), "router");
    EXPECT_FALSE(doc["partial"].GetBool());
    EXPECT_EQ(doc["requests"].GetInt(), 9);
    EXPECT_EQ(doc["evaluated"].GetInt(), 9);
    EXPECT_EQ(doc["errors"].GetInt(), 0);
    EXPECT_EQ(doc["accuracy"]["correct"].GetInt(), 6);
    EXPECT_EQ(doc["accuracy"]["total"].GetInt(), 9);
    EXPECT_NEAR(doc["accuracy"]["ci95"][0].GetDouble(), 0.3542, 1e-4); // Wilson, 6/9
    EXPECT_NEAR(doc["accuracy"]["ci95"][1].GetDouble(), 0.8794, 1e-4);
    EXPECT_EQ(doc["clear"]["correct"].GetInt(), 6);
    EXPECT_EQ(doc["clear"]["total"].GetInt(), 7);
    EXPECT_EQ(doc["ambiguous"]["correct"].GetInt(), 0);
    EXPECT_EQ(doc["ambiguous"]["total"].GetInt(), 2);

    // math: 2 right of 4 predicted (g3, c3 taken for math), 3 expected; code: 2 of 2, of 3;
    // general: 2 of 3 (m3), of 3.
    const json::Value &routes = doc["per_route"];
    ASSERT_EQ(routes.Size(), 3u);
    EXPECT_STREQ(routes[0]["route"].GetString(), "math");
    EXPECT_DOUBLE_EQ(routes[0]["precision"].GetDouble(), 0.5);
    EXPECT_DOUBLE_EQ(routes[0]["recall"].GetDouble(), 2.0 / 3);
    EXPECT_DOUBLE_EQ(routes[0]["f1"].GetDouble(), 4.0 / 7);
    EXPECT_EQ(routes[0]["support"].GetInt(), 3);
    EXPECT_EQ(routes[0]["predicted"].GetInt(), 4);
    EXPECT_DOUBLE_EQ(routes[1]["precision"].GetDouble(), 1.0);
    EXPECT_DOUBLE_EQ(routes[1]["f1"].GetDouble(), 0.8);
    EXPECT_DOUBLE_EQ(routes[2]["precision"].GetDouble(), 2.0 / 3);

    const json::Value &counts = doc["confusion"]["counts"];
    EXPECT_EQ(doc["confusion"]["columns"].Size(), 3u); // no error column without errors
    const int expected[3][3] = {{2, 0, 1}, {1, 2, 0}, {1, 0, 2}};
    for (unsigned i = 0; i < 3; ++i)
        for (unsigned j = 0; j < 3; ++j)
            EXPECT_EQ(counts[i][j].GetInt(), expected[i][j]) << "row " << i << " column " << j;

    const json::Value &stages = doc["stages"];
    ASSERT_EQ(stages.Size(), 2u);
    EXPECT_STREQ(stages[0]["stage"].GetString(), "rules");
    EXPECT_EQ(stages[0]["decided"].GetInt(), 7);
    EXPECT_EQ(stages[0]["accuracy"]["correct"].GetInt(), 5);
    EXPECT_EQ(stages[0]["ran"].GetInt(), 9);
    EXPECT_EQ(stages[0]["sure"].GetInt(), 7);
    EXPECT_EQ(stages[0]["unsure"].GetInt(), 2);
    EXPECT_EQ(stages[0]["latency_ms"]["count"].GetInt(), 9);
    EXPECT_GE(stages[0]["latency_ms"]["max"].GetDouble(),
              stages[0]["latency_ms"]["p50"].GetDouble());
    EXPECT_STREQ(stages[1]["stage"].GetString(), "default");
    EXPECT_EQ(stages[1]["decided"].GetInt(), 2);
    EXPECT_EQ(stages[1]["accuracy"]["correct"].GetInt(), 1);
    EXPECT_EQ(doc["latency_ms"]["node"]["count"].GetInt(), 9);

    // One result a request, in dataset order; the blank line is skipped but counted.
    const json::Value &results = doc["results"];
    ASSERT_EQ(results.Size(), 9u);
    const json::Value &c3 = results[5];
    EXPECT_STREQ(c3["id"].GetString(), "c3");
    EXPECT_EQ(c3["line"].GetInt(), 6);
    EXPECT_STREQ(c3["expected"].GetString(), "code");
    EXPECT_STREQ(c3["predicted"].GetString(), "math");
    EXPECT_STREQ(c3["stage"].GetString(), "rules");
    EXPECT_NEAR(c3["confidence"].GetDouble(), 2.0 / 3, 1e-3); // 2 matches against 1
    EXPECT_TRUE(c3["ambiguous"].GetBool());
    EXPECT_TRUE(c3["ms"].IsNumber());
    EXPECT_TRUE(c3["error"].IsNull());
    EXPECT_EQ(results[6]["line"].GetInt(), 8);
    EXPECT_STREQ(results[7]["stage"].GetString(), "default");
}

TEST_F(EvalE2ETest, TheTextReport) {
    const std::string file = dataset("set.jsonl", kRulesDataset);
    const RunResult r = eval({"--dataset", file, "-g", "rules"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_EQ(r.err, "");
    EXPECT_THAT(r.out, StartsWith("Routing evaluation of node router (router) in graph rules\n"
                                  "  dataset " +
                                  file + ": 9 requests, 9 evaluated, 0 errors\n"));
    EXPECT_THAT(r.out, HasSubstr("  all              6      9     66.7%  35.4-87.9%\n"
                                 "  clear            6      7     85.7%  48.7-97.4%\n"
                                 "  ambiguous        0      2      0.0%   0.0-65.8%\n"));
    EXPECT_THAT(r.out, HasSubstr("  math           0.500   0.667  0.571        3          4\n"
                                 "  code           1.000   0.667  0.800        3          2\n"
                                 "  general        0.667   0.667  0.667        3          3\n"));
    EXPECT_THAT(r.out, HasSubstr("Confusion (rows: expected, columns: predicted)\n"
                                 "           math  code  general\n"
                                 "  math        2     0        1\n"
                                 "  code        1     2        0\n"
                                 "  general     1     0        2\n"));
    EXPECT_THAT(r.out, HasSubstr("  rules          7  77.8%     71.4%"));
    EXPECT_THAT(r.out, HasSubstr("  default        2  22.2%     50.0%"));
    EXPECT_THAT(r.out, HasSubstr("Latency (ms)\n"));
    EXPECT_THAT(r.out, HasSubstr("\n  node call  9  "));
}

TEST_F(EvalE2ETest, TheModelStageAndItsFailuresAreCounted) {
    script_model();
    const std::string file = dataset("model.jsonl", kModelDataset);
    const RunResult r = eval({"--dataset", file, "--graph", "model", "--json"});
    ASSERT_EXIT_CODE(r, kOk);
    EXPECT_TRUE(NoCrashNoise(r.err));
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject());
    EXPECT_EQ(doc["evaluated"].GetInt(), 7);
    EXPECT_EQ(doc["errors"].GetInt(), 0); // a model error is the stage's, not the call's
    EXPECT_EQ(doc["accuracy"]["correct"].GetInt(), 5); // l1 l2 l3 l5 l7
    EXPECT_EQ(ollama_.count("/api/chat"), 6u);         // l1 never reached the model

    const json::Value &stages = doc["stages"];
    ASSERT_EQ(stages.Size(), 3u);
    EXPECT_STREQ(stages[0]["stage"].GetString(), "rules");
    EXPECT_EQ(stages[0]["decided"].GetInt(), 1);
    EXPECT_EQ(stages[0]["ran"].GetInt(), 7);
    EXPECT_EQ(stages[0]["unsure"].GetInt(), 6);
    const json::Value &model = stages[1];
    EXPECT_STREQ(model["stage"].GetString(), "model");
    EXPECT_EQ(model["decided"].GetInt(), 4); // l2 l3 l4 l7
    EXPECT_EQ(model["accuracy"]["correct"].GetInt(), 3);
    EXPECT_EQ(model["ran"].GetInt(), 6);
    EXPECT_EQ(model["sure"].GetInt(), 4);
    EXPECT_EQ(model["failed"].GetInt(), 2);
    EXPECT_THAT(model["first_failure"].GetString(), StartsWith("l5: model qwen2.5:0.5b failed: "));
    EXPECT_EQ(model["latency_ms"]["count"].GetInt(), 6);
    EXPECT_STREQ(stages[2]["stage"].GetString(), "default");
    EXPECT_EQ(stages[2]["decided"].GetInt(), 2); // l5 right, l6 wrong
    EXPECT_EQ(stages[2]["accuracy"]["correct"].GetInt(), 1);

    const json::Value &l4 = doc["results"][3];
    EXPECT_STREQ(l4["predicted"].GetString(), "code");
    EXPECT_STREQ(l4["stage"].GetString(), "model");
    EXPECT_DOUBLE_EQ(l4["confidence"].GetDouble(), 0.7);

    // The text says which stage failed how often, and why the first time.
    const RunResult text = eval({"--dataset", file, "--graph", "model"});
    ASSERT_EXIT_CODE(text, kOk);
    EXPECT_THAT(text.out, HasSubstr("\n  model failed on 2 requests; first: l5: model "
                                    "qwen2.5:0.5b failed: "));
}

TEST_F(EvalE2ETest, AFailingCallIsAnErrorRowAndTheEvaluationGoesOn) {
    const std::string file =
        dataset("down.jsonl", R"({"id": "a", "input": "math please", "route": "math"}
{"id": "b", "input": "DOWN code", "route": "code"}
{"id": "c", "input": "general chat", "route": "general"}
{"id": "d", "input": "DOWN again", "route": "general"}
{"id": "e", "input": "code it", "route": "code"}
)");
    const RunResult r = eval_scripted({"--dataset", file, "--json"});
    ASSERT_EXIT_CODE(r, kOk); // the evaluation ran
    const json::Document doc = parse_json(r.out);
    ASSERT_TRUE(doc.IsObject());
    EXPECT_STREQ(doc["node_type"].GetString(), "eval_scripted_router");
    EXPECT_EQ(doc["evaluated"].GetInt(), 5);
    EXPECT_EQ(doc["errors"].GetInt(), 2);
    EXPECT_EQ(doc["accuracy"]["correct"].GetInt(), 3);                   // errors count as wrong
    EXPECT_DOUBLE_EQ(doc["per_route"][1]["recall"].GetDouble(), 0.5);    // code: b failed
    EXPECT_DOUBLE_EQ(doc["per_route"][1]["precision"].GetDouble(), 1.0); // e
    EXPECT_EQ(doc["latency_ms"]["node"]["count"].GetInt(), 3);

    const json::Value &columns = doc["confusion"]["columns"];
    ASSERT_EQ(columns.Size(), 4u);
    EXPECT_STREQ(columns[3].GetString(), "error");
    EXPECT_EQ(doc["confusion"]["counts"][0][3].GetInt(), 0);
    EXPECT_EQ(doc["confusion"]["counts"][1][3].GetInt(), 1);
    EXPECT_EQ(doc["confusion"]["counts"][2][3].GetInt(), 1);

    const json::Value &b = doc["results"][1];
    EXPECT_STREQ(b["predicted"].GetString(), "error");
    EXPECT_FALSE(b["correct"].GetBool());
    EXPECT_TRUE(b["stage"].IsNull());
    EXPECT_THAT(b["error"].GetString(), HasSubstr("the model server is down (scripted)"));
    EXPECT_STREQ(doc["results"][4]["predicted"].GetString(), "code");

    const RunResult text = eval_scripted({"--dataset", file});
    ASSERT_EXIT_CODE(text, kOk);
    EXPECT_THAT(text.out, HasSubstr(": 5 requests, 5 evaluated, 2 errors\n"
                                    "  first error: b: "));
    EXPECT_THAT(text.out, HasSubstr("           math  code  general  error\n"
                                    "  math        1     0        0      0\n"
                                    "  code        0     1        0      1\n"
                                    "  general     0     0        1      1\n"));
}

// A call that does not return when its deadline passes is left behind 2 s later, as `node`
// leaves one: what was measured is printed, marked partial, and the command ends (exit 6).
TEST_F(EvalE2ETest, ANodeThatIgnoresItsDeadlineEndsTheEvaluation) {
    const std::string file = dataset("hang.jsonl", R"({"id": "a", "input": "math", "route": "math"}
{"id": "b", "input": "HANG", "route": "code"}
{"id": "c", "input": "general", "route": "general"}
)");
    const RunResult r = eval_scripted({"--dataset", file, "--timeout", "200"});
    ASSERT_FALSE(r.timed_out) << r.describe();
    EXPECT_EXIT_CODE(r, kTimeout);
    EXPECT_THAT(r.out, StartsWith("PARTIAL: 1 of 3 requests evaluated (node r did not stop when "
                                  "its deadline passed)\n"));
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("node r (eval_scripted_router) did not stop when its deadline "
                                 "passed on b (2000 ms later it was still running)"));
}

TEST_F(EvalE2ETest, CtrlCPrintsWhatWasMeasuredMarkedPartial) {
    script_model();
    const std::string file = dataset("hang.jsonl",
                                     R"({"id": "a", "input": "my loop never ends", "route": "code"}
{"id": "b", "input": "the model hangs here", "route": "code"}
{"id": "c", "input": "tell me a joke", "route": "general"}
)");
    const auto process = start({"eval", "routing", "--dataset", file, "--graph", "model"});
    // The second request is waiting for the model: the first is measured.
    ASSERT_TRUE(process->wait_until([&] { return ollama_.count("/api/chat") >= 2; }))
        << process->err_so_far();
    process->send_signal(SIGINT);
    const RunResult r = process->finish();
    ASSERT_FALSE(r.timed_out) << r.describe();
    EXPECT_EXIT_CODE(r, kCancelled);
    EXPECT_THAT(r.out, StartsWith("PARTIAL: 1 of 3 requests evaluated (interrupted by Ctrl-C)\n"));
    EXPECT_THAT(r.out, HasSubstr("  all              1      1    100.0%"));
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr("interrupted: the report covers the first 1 of 3 requests"));
}

TEST_F(EvalE2ETest, TheNodeIsTheOnlyRouterOrTheOneNamed) {
    const std::string file = dataset("two.jsonl", R"({"input": "python please", "route": "code"}
{"input": "hi", "route": "general"}
)");
    const RunResult several = eval({"--dataset", file, "--graph", "two"});
    EXPECT_EXIT_CODE(several, kUsage);
    EXPECT_TRUE(OneErrorLine(several));
    EXPECT_THAT(several.err,
                HasSubstr("graph two has 2 router nodes (first, second): choose one with --node"));

    const RunResult second =
        eval({"--dataset", file, "--graph", "two", "--node", "second", "--json"});
    ASSERT_EXIT_CODE(second, kOk);
    const json::Document doc = parse_json(second.out);
    EXPECT_STREQ(doc["node"].GetString(), "second");
    EXPECT_EQ(doc["routes"].Size(), 2u);
    EXPECT_EQ(doc["accuracy"]["correct"].GetInt(), 2);

    // The first router has no route "code": the label is refused, naming its line.
    const RunResult first = eval({"--dataset", file, "--graph", "two", "--node", "first"});
    EXPECT_EXIT_CODE(first, kUsage);
    EXPECT_TRUE(OneErrorLine(first));
    EXPECT_THAT(first.err, HasSubstr(file + ":1: route \"code\" is not one of node first's "
                                            "routes (math, general)"));

    const RunResult unknown = eval({"--dataset", file, "--graph", "two", "--node", "secnod"});
    EXPECT_EXIT_CODE(unknown, kUsage);
    EXPECT_TRUE(OneErrorLine(unknown));
    EXPECT_THAT(unknown.err,
                HasSubstr("graph two has no node \"secnod\" (did you mean \"second\"?)"));

    const RunResult none = eval({"--dataset", file, "--graph", "plain"});
    EXPECT_EXIT_CODE(none, kUsage);
    EXPECT_TRUE(OneErrorLine(none));
    EXPECT_THAT(none.err, HasSubstr("graph plain has no node of type router (its nodes: p "
                                    "(passthrough)); name the node to evaluate with --node ID"));

    const RunResult not_routing = eval({"--dataset", file, "--graph", "plain", "--node", "p"});
    EXPECT_EXIT_CODE(not_routing, kUsage);
    EXPECT_THAT(not_routing.err, HasSubstr("node p (passthrough) declares no routes"));
}

TEST_F(EvalE2ETest, ABadDatasetLineIsNamedAndNothingRuns) {
    const std::string good = R"({"input": "2 + 2", "route": "math"})"
                             "\n";
    const std::string bad = dataset("bad.jsonl", good + good + "{\"input\": \"x\" \"route\": 1}\n");
    const RunResult r = eval({"--dataset", bad, "--graph", "rules"});
    EXPECT_EXIT_CODE(r, kUsage);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, StartsWith("tinyllm: error: " + bad + ":3: not valid JSON at column 15"));
    EXPECT_EQ(r.out, "");

    const std::string no_input = dataset("no_input.jsonl", good + R"({"route": "math"})"
                                                                  "\n");
    const RunResult missing = eval({"--dataset", no_input, "--graph", "rules"});
    EXPECT_EXIT_CODE(missing, kUsage);
    EXPECT_THAT(missing.err, HasSubstr(no_input + ":2: no \"input\""));

    const std::string huge =
        dataset("huge.jsonl",
                good + "{\"input\": \"" + std::string(2 << 20, 'x') + "\", \"route\": \"math\"}\n");
    const RunResult too_long = eval({"--dataset", huge, "--graph", "rules"});
    EXPECT_EXIT_CODE(too_long, kUsage);
    EXPECT_TRUE(OneErrorLine(too_long));
    EXPECT_THAT(too_long.err, HasSubstr(huge + ":2: line longer than 1048576 bytes"));

    const RunResult empty = eval({"--dataset", dataset("empty.jsonl", "\n\n"), "-g", "rules"});
    EXPECT_EXIT_CODE(empty, kUsage);
    EXPECT_THAT(empty.err, HasSubstr("empty.jsonl: no requests"));

    const RunResult absent = eval({"--dataset", (root() / "nope.jsonl").string(), "-g", "rules"});
    EXPECT_EXIT_CODE(absent, kUsage);
    EXPECT_THAT(absent.err, HasSubstr("nope.jsonl: cannot open: No such file or directory"));
}

TEST_F(EvalE2ETest, ALabelOutsideTheRoutesIsNamed) {
    const std::string file = dataset("poetry.jsonl", R"({"input": "2 + 2", "route": "math"}
{"id": "p1", "input": "a sonnet please", "route": "poetry"}
)");
    const RunResult r = eval({"--dataset", file, "--graph", "rules"});
    EXPECT_EXIT_CODE(r, kUsage);
    EXPECT_TRUE(OneErrorLine(r));
    EXPECT_THAT(r.err, HasSubstr(file + ":2: route \"poetry\" is not one of node router's routes "
                                        "(math, code, general)"));
    EXPECT_EQ(r.out, "");
}

TEST_F(EvalE2ETest, HelpAndUsage) {
    const RunResult help = host({"eval", "--help"});
    ASSERT_EXIT_CODE(help, kOk);
    EXPECT_THAT(help.out, HasSubstr("Usage: tinyllm eval --dataset FILE"));
    EXPECT_THAT(help.out, HasSubstr("tinyllm eval KIND [OPTIONS]"));
    EXPECT_THAT(help.out, HasSubstr("  routing    "));
    EXPECT_THAT(help.out, HasSubstr("  compare    "));

    const RunResult routing = host({"eval", "routing", "--help"});
    ASSERT_EXIT_CODE(routing, kOk);
    EXPECT_THAT(routing.out, StartsWith("Usage: tinyllm eval routing --dataset FILE"));
    EXPECT_THAT(routing.out, HasSubstr("--node"));

    EXPECT_EXIT_CODE(host({"eval"}), kUsage);
    const RunResult unknown = host({"eval", "speed"});
    EXPECT_EXIT_CODE(unknown, kUsage);
    EXPECT_TRUE(OneErrorLine(unknown));
    const RunResult no_dataset = host({"eval", "routing", "--graph", "rules"});
    EXPECT_EXIT_CODE(no_dataset, kUsage);
    EXPECT_THAT(no_dataset.err, HasSubstr("eval routing needs --dataset FILE"));

    const RunResult main_help = host({"--help"});
    EXPECT_THAT(main_help.out, HasSubstr("  eval "));
}

} // namespace
} // namespace tinyllm::e2e
