// The command line itself: version, help, usage errors, and where logs go.
#include "e2e_support.hpp"

#include "tinyllm/plugin.h"

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using CliTest = E2ETest;

TEST_F(CliTest, VersionHelpAndUsageErrors) {
    // --version needs no config and no plugins: it must work on a broken install.
    const RunResult version = run({"--version"});
    EXPECT_EXIT_CODE(version, kOk);
    EXPECT_EQ(version.out, "tinyllm " TINYLLM_VERSION_STRING " (plugin ABI " +
                               std::to_string(TLLM_ABI_VERSION_MAJOR) + "." +
                               std::to_string(TLLM_ABI_VERSION_MINOR) + ")\n");
    EXPECT_EQ(version.err, "");

    const std::vector<std::vector<std::string>> helps = {
        {"--help"},           {"-h"},
        {"doctor", "--help"}, {"plugins", "--help"},
        {"models", "--help"}, {"ask", "--help"},
    };
    for (const auto &args : helps) {
        const RunResult r = host(args);
        EXPECT_EXIT_CODE(r, kOk) << "tinyllm " << ::testing::PrintToString(args);
        EXPECT_THAT(r.out, StartsWith("Usage: tinyllm")) << ::testing::PrintToString(args);
        EXPECT_EQ(r.err, "") << ::testing::PrintToString(args);
    }
    // The main help lists every command.
    const RunResult help = run({"--help"});
    for (const char *command : {"doctor", "plugins", "models", "ask"}) {
        EXPECT_THAT(help.out, HasSubstr("  " + std::string(command) + " "));
    }

    // No command at all: the help, but as a usage error (a script calling `tinyllm` with an
    // empty variable must not think it succeeded).
    const RunResult nothing = host({});
    EXPECT_EXIT_CODE(nothing, kUsage);
    EXPECT_THAT(nothing.out, HasSubstr("Usage:"));

    const RunResult unknown_command = host({"frobnicate"});
    EXPECT_EXIT_CODE(unknown_command, kUsage);
    EXPECT_TRUE(OneErrorLine(unknown_command));
    EXPECT_THAT(unknown_command.err, HasSubstr("unknown command \"frobnicate\""));
    EXPECT_EQ(unknown_command.out, "");

    // Unknown options, before and after the command name.
    for (const auto &args :
         std::vector<std::vector<std::string>>{{"--frobnicate", "ask", "hi"},
                                               {"ask", "--frobnicate", "hi"},
                                               {"doctor", "--frobnicate"},
                                               {"models", "list", "--frobnicate"}}) {
        const RunResult r = host(args);
        EXPECT_EXIT_CODE(r, kUsage) << ::testing::PrintToString(args);
        EXPECT_TRUE(OneErrorLine(r)) << ::testing::PrintToString(args);
        EXPECT_THAT(r.err, HasSubstr("--frobnicate")) << ::testing::PrintToString(args);
        EXPECT_EQ(r.out, "") << ::testing::PrintToString(args);
    }

    // Unknown sub-actions are usage errors too.
    for (const auto &args : std::vector<std::vector<std::string>>{{"plugins", "frobnicate", "x"},
                                                                  {"models", "frobnicate", "x"}}) {
        const RunResult r = host(args);
        EXPECT_EXIT_CODE(r, kUsage) << ::testing::PrintToString(args);
        EXPECT_TRUE(OneErrorLine(r)) << ::testing::PrintToString(args);
    }
}

TEST_F(CliTest, LogsGoToStderrOnly) {
    // Debug logging on: stdout must still be exactly the answer (a pipeline `tinyllm ask ... |
    // jq` must never see a log line), and the log lines must have gone somewhere: stderr.
    const RunResult debug = host({"ask", "hello"}, {{"TINYLLM_LOG_LEVEL", "debug"}});
    ASSERT_EXIT_CODE(debug, kOk);
    EXPECT_EQ(debug.out, kAnswerLine);
    EXPECT_THAT(debug.err, HasSubstr("debug"));
    EXPECT_TRUE(NoCrashNoise(debug.err));

    // The same with the flags.
    const RunResult verbose = host({"-vv", "ask", "hello"});
    ASSERT_EXIT_CODE(verbose, kOk);
    EXPECT_EQ(verbose.out, kAnswerLine);
    EXPECT_THAT(verbose.err, Not(""));

    const RunResult nonsense = host({"--log-level", "nonsense", "ask", "hello"});
    EXPECT_THAT(nonsense.exit_code, ::testing::AnyOf(kUsage, kConfig)) << nonsense.describe();
    EXPECT_TRUE(OneErrorLine(nonsense));
    EXPECT_THAT(nonsense.err, HasSubstr("nonsense"));
    EXPECT_EQ(nonsense.out, "");
    EXPECT_EQ(ollama_.count("/api/chat"), 2u) << "the bad level must stop the run before it";
}

} // namespace
} // namespace tinyllm::e2e
