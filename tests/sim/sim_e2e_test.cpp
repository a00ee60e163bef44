// The shipped simulation config (config/sim) end to end: the real binary runs the default graph
// on simulated models for dataset inputs (time_scale 0, so no sleeping), the router sends each
// to its labelled route, the specialists and gates answer and check, and `models list` shows
// the simulated models.
#include "e2e_support.hpp"

#include <filesystem>
#include <fstream>
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

} // namespace
} // namespace tinyllm::e2e
