// `tinyllm graph validate|show|schema` (cli/commands/graph_command.cpp), run in-process with the
// test node plugin and a config dir of its own.
#include "graph_test_support.hpp"

#include "cli/context.hpp"
#include "cli/exit_codes.hpp"

#include <gmock/gmock.h>

#include <fstream>

namespace tinyllm::cli {
// Declared in cli/command.hpp once the command is registered.
int run_graph(Context &context, const std::vector<std::string> &args);
} // namespace tinyllm::cli

namespace tinyllm::graph::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Output {
    int code = -1;
    std::string out;
    std::string err;
};

// A config dir: the repo's system.yaml, a models.yaml with the echo backend, plus graphs/ with the
// router fixture (as router.yaml) and the loop fixture under another file name.
class GraphCommand : public ::testing::Test {
protected:
    GraphCommand() {
        const fs::path config = dir_.path() / "config";
        fs::create_directories(config / "graphs");
        fs::copy_file(repo_config_dir() / "system.yaml", config / "system.yaml");
        // The test plugins' echo backend: `graph validate` loads what a run loads, backends too.
        std::ofstream(config / "models.yaml") << "default_model: small\n"
                                                 "backends: [{name: local, type: echo}]\n"
                                                 "models: [{name: small, backend: local}]\n";
        fs::copy_file(fixture("router.yaml"), config / "graphs" / "router.yaml");
        fs::copy_file(fixture("loop.yaml"), config / "graphs" / "retry-loop.yaml");
        options_.config_dir = config;
        options_.plugin_paths = {test_nodes_plugin().parent_path()};
        options_.no_default_plugins = true;
    }

    Output run(const std::vector<std::string> &args) {
        cli::Context context(options_);
        Output result;
        ::testing::internal::CaptureStdout();
        ::testing::internal::CaptureStderr();
        try {
            result.code = cli::run_graph(context, args);
        } catch (const Error &e) {
            result.code = cli::exit_code_for(e.code());
            std::cerr << "error: " << e.what() << "\n";
        }
        result.out = ::testing::internal::GetCapturedStdout();
        result.err = ::testing::internal::GetCapturedStderr();
        return result;
    }

    fs::path graphs() const { return dir_.path() / "config" / "graphs"; }

    TempDir dir_;
    cli::GlobalOptions options_;
};

TEST_F(GraphCommand, ValidateSaysWhatIsValid) {
    const Output r = run({"validate", fixture("router.yaml").string()});
    EXPECT_EQ(r.code, cli::kExitOk) << r.err;
    EXPECT_EQ(r.out, fixture("router.yaml").string() +
                         ": graph router 1.2.0 is valid (4 nodes, 4 edges)\n");
    EXPECT_EQ(r.err, "");
}

TEST_F(GraphCommand, ValidatePrintsWarningsOnStderr) {
    const fs::path file =
        dir_.write("warn.yaml", "id: w\nentry: a\nexits: [b]\nnodes:\n"
                                "  - {id: a, type: noop}\n  - {id: b, type: noop, join: all}\n"
                                "edges:\n  - {from: a, to: b}\n");
    const Output r = run({"validate", file.string()});
    EXPECT_EQ(r.code, cli::kExitOk);
    EXPECT_EQ(r.out, file.string() + ": graph w 0.1.0 is valid (2 nodes, 1 edges)\n");
    EXPECT_EQ(r.err, "tinyllm: warning: " + file.string() +
                         ":6:31: nodes[1].join: node \"b\" is a join, but no fan-out reaches it "
                         "by two or more paths, so it has nothing to wait for\n");
}

TEST_F(GraphCommand, ValidateJson) {
    const Output r = run({"validate", fixture("loop.yaml").string(), "--json"});
    EXPECT_EQ(r.code, cli::kExitOk);
    const json::Document doc = json::parse_object(r.out, "output");
    EXPECT_TRUE(doc["valid"].GetBool());
    EXPECT_STREQ(doc["id"].GetString(), "loop");
    EXPECT_STREQ(doc["version"].GetString(), "0.3.0");
    EXPECT_EQ(doc["nodes"].GetUint64(), 3u);
    EXPECT_EQ(doc["edges"].GetUint64(), 3u);
    EXPECT_TRUE(doc["warnings"].GetArray().Empty());
}

TEST_F(GraphCommand, AnInvalidGraphIsAConfigErrorOnOneLine) {
    const Output r = run({"validate", fixture("bad_condition.yaml").string()});
    EXPECT_EQ(r.code, cli::kExitConfig);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "error: " + fixture("bad_condition.yaml").string() +
                         ":9:40: edges[0].when: invalid condition: unknown operator '=' (did "
                         "you mean '=='?)\n");
}

TEST_F(GraphCommand, AnUnknownNodeTypeIsAConfigErrorToo) {
    const Output r = run({"validate", fixture("unknown_type.yaml").string()});
    EXPECT_EQ(r.code, cli::kExitConfig);
    EXPECT_EQ(r.err, "error: " + fixture("unknown_type.yaml").string() +
                         ":6:11: nodes[0].type: unknown node type \"appnd\" (did you mean "
                         "\"append\"?)\n");
}

TEST_F(GraphCommand, ValidateJsonReportsTheErrorAsADocument) {
    const Output r = run({"validate", fixture("unbounded_cycle.yaml").string(), "--json"});
    EXPECT_EQ(r.code, cli::kExitConfig);
    const json::Document doc = json::parse_object(r.out, "output");
    EXPECT_FALSE(doc["valid"].GetBool());
    EXPECT_STREQ(doc["code"].GetString(), "config");
    EXPECT_THAT(doc["error"].GetString(), HasSubstr("unbounded cycle a → b → a"));
}

TEST_F(GraphCommand, AMissingFileIsAConfigError) {
    const Output r = run({"validate", (dir_.path() / "nope.yaml").string()});
    EXPECT_EQ(r.code, cli::kExitConfig);
    EXPECT_THAT(r.err, HasSubstr("nope.yaml: cannot open"));
}

TEST_F(GraphCommand, FindsGraphsOfTheConfigDirByFileNameOrId) {
    Output r = run({"validate", "router"});
    EXPECT_EQ(r.code, cli::kExitOk) << r.err;
    EXPECT_EQ(r.out, (graphs() / "router.yaml").string() +
                         ": graph router 1.2.0 is valid (4 nodes, 4 edges)\n");
    r = run({"validate", "retry-loop"});
    EXPECT_THAT(r.out, HasSubstr("retry-loop.yaml: graph loop 0.3.0 is valid"));
    r = run({"validate", "loop"}); // the id declared inside retry-loop.yaml
    EXPECT_THAT(r.out, HasSubstr("retry-loop.yaml: graph loop 0.3.0 is valid"));
}

TEST_F(GraphCommand, AnUnknownGraphNameSuggestsOne) {
    Output r = run({"validate", "routr"});
    EXPECT_EQ(r.code, cli::kExitNotFound);
    EXPECT_EQ(r.err, "error: no graph file or graph \"routr\" (did you mean \"router\"?)\n");
    r = run({"show", "zzzzzz"});
    EXPECT_EQ(r.err, "error: no graph file or graph \"zzzzzz\" (graphs: retry-loop, router)\n");
}

TEST_F(GraphCommand, ShowInEveryFormat) {
    const GraphDef def = load_graph_def(fixture("router.yaml"));
    Output r = run({"show", fixture("router.yaml").string()});
    EXPECT_EQ(r.code, cli::kExitOk);
    EXPECT_THAT(r.out, StartsWith("graph router 1.2.0\n"));
    r = run({"show", fixture("router.yaml").string(), "--format", "mermaid"});
    EXPECT_THAT(r.out, StartsWith("flowchart TD\n"));
    r = run({"show", fixture("router.yaml").string(), "--format=dot"});
    EXPECT_THAT(r.out, StartsWith("digraph \"router\" {\n"));
}

TEST_F(GraphCommand, ShowNeedsNoPlugins) {
    options_.plugin_paths.clear();
    const Output r = run({"show", fixture("unknown_type.yaml").string()});
    EXPECT_EQ(r.code, cli::kExitOk) << r.err;
    EXPECT_THAT(r.out, HasSubstr("answer  appnd  entry, exit"));
}

TEST_F(GraphCommand, UsageErrors) {
    EXPECT_EQ(run({}).code, cli::kExitUsage);
    EXPECT_EQ(run({"validate"}).code, cli::kExitUsage);
    EXPECT_EQ(run({"draw", "x"}).code, cli::kExitUsage);
    const Output r = run({"show", fixture("router.yaml").string(), "--format", "svg"});
    EXPECT_EQ(r.code, cli::kExitUsage);
    EXPECT_EQ(r.err, "error: unknown --format \"svg\" (expected text, mermaid or dot)\n");
}

TEST_F(GraphCommand, HelpAndSchema) {
    Output r = run({"--help"});
    EXPECT_EQ(r.code, cli::kExitOk);
    EXPECT_THAT(r.out, HasSubstr("Usage: tinyllm graph validate FILE|ID"));
    r = run({"schema"});
    EXPECT_EQ(r.code, cli::kExitOk);
    EXPECT_THAT(r.out, StartsWith("graphs/*.yaml\n"));
    EXPECT_THAT(r.out, HasSubstr("max_visits"));
    r = run({"schema", "--json"});
    EXPECT_EQ(json::parse_object(r.out, "schema")["title"], "graphs/*.yaml");
}

} // namespace
} // namespace tinyllm::graph::test
