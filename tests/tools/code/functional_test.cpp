// What the code tool does for a well-behaved program: the result document, the content text,
// languages, errors, cancellation, and what happens without bubblewrap.
#include "code_tool_fixture.hpp"

#include "result_format.hpp"

#include <atomic>
#include <thread>

namespace tinyllm::code_tool::testing {
namespace {

TEST(CodeTool, PrintHelloGivesExactlyStdout) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    ASSERT_EQ(tool.create_status(), TLLM_OK) << tool.create_error();
    const RunResult r = tool.run("print('hello')");
    ASSERT_EQ(r.status, TLLM_OK) << r.describe();
    EXPECT_EQ(r.content, "hello\n");
    EXPECT_EQ(r.out, "hello\n");
    EXPECT_EQ(r.err, "");
    EXPECT_FALSE(r.is_error);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.signal, "");
    EXPECT_FALSE(r.timed_out);
    EXPECT_FALSE(r.stdout_truncated);
    EXPECT_EQ(r.sandbox, "bubblewrap");
    EXPECT_GE(r.wall_ms, 0);
    EXPECT_GE(r.cpu_ms, 0);
}

TEST(CodeTool, LanguageDefaultsToPython) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    TestCall call;
    const RunResult r =
        tool.invoke_json(R"j({"code":"import sys; print(sys.version_info[0])"})j", call);
    ASSERT_EQ(r.status, TLLM_OK) << r.describe();
    EXPECT_EQ(r.content, "3\n");
}

TEST(CodeTool, ParametersSchemaHasExactlyOneRequiredStringProperty) {
    const auto *tool = static_cast<const tllm_tool_v1 *>(code_component().vtable);
    const json::Document schema = json::parse_object(tool->parameters_schema, "schema");
    const json::Value &required = schema["required"];
    ASSERT_TRUE(required.IsArray());
    ASSERT_EQ(required.Size(), 1u);
    EXPECT_STREQ(required[0].GetString(), "code");
    EXPECT_STREQ(schema["properties"]["code"]["type"].GetString(), "string");
    EXPECT_FALSE(schema["additionalProperties"].GetBool());
    EXPECT_STREQ(tinyllm_plugin_entry()->id, "org.tinyllm.tool.code");
    EXPECT_STREQ(code_component().kind, TLLM_KIND_TOOL);
    const json::Document config = json::parse_object(code_component().config_schema, "config");
    EXPECT_FALSE(config["additionalProperties"].GetBool());
    EXPECT_EQ(config["properties"]["timeout_ms"]["default"].GetInt(), 10000);
    EXPECT_STREQ(config["properties"]["python"]["default"].GetString(), "/usr/bin/python3");
}

TEST(CodeTool, NonZeroExitIsAnErrorWithTheExitCode) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = tool.run("print('partial')\nraise SystemExit(3)");
    ASSERT_EQ(r.status, TLLM_OK) << r.describe();
    EXPECT_TRUE(r.is_error);
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(r.signal, "");
    EXPECT_EQ(r.content, "partial\n[exit code 3]\n");
}

TEST(CodeTool, StderrIsCapturedAndLabelled) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = tool.run("import sys\nprint('out')\nprint('warn', file=sys.stderr)");
    ASSERT_EQ(r.status, TLLM_OK) << r.describe();
    EXPECT_FALSE(r.is_error);
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "warn\n");
    EXPECT_EQ(r.content, "out\n[stderr]\nwarn\n[exit code 0]\n");
}

TEST(CodeTool, ShLanguageRuns) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = tool.run("echo \"sum=$((2 + 3))\"; echo oops >&2; exit 4", "sh");
    ASSERT_EQ(r.status, TLLM_OK) << r.describe();
    EXPECT_EQ(r.out, "sum=5\n");
    EXPECT_EQ(r.err, "oops\n");
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_TRUE(r.is_error);
}

TEST(CodeTool, PythonExceptionGivesTracebackAndIsError) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = tool.run("def f():\n    return 1 / 0\nf()");
    ASSERT_EQ(r.status, TLLM_OK) << r.describe();
    EXPECT_TRUE(r.is_error);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("Traceback (most recent call last)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ZeroDivisionError"), std::string::npos) << r.err;
    EXPECT_NE(r.content.find("[stderr]\nTraceback"), std::string::npos) << r.content;
    EXPECT_NE(r.content.find("[exit code 1]"), std::string::npos) << r.content;
}

TEST(CodeTool, ThreadsAndSubprocessesWork) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    // clone3 is answered ENOSYS by the filter; glibc must fall back to clone.
    ToolUnderTest tool(test_config());
    const RunResult r = tool.run("import threading, subprocess\n"
                                 "t = threading.Thread(target=lambda: print('thread'))\n"
                                 "t.start(); t.join()\n"
                                 "print(subprocess.run(['echo', 'child'], capture_output=True, "
                                 "text=True).stdout, end='')");
    ASSERT_EQ(r.status, TLLM_OK) << r.describe();
    EXPECT_EQ(r.content, "thread\nchild\n");
}

TEST(CodeTool, UnknownLanguageIsRejected) {
    ToolUnderTest tool(test_config());
    const RunResult r = tool.run("puts 1", "ruby");
    EXPECT_EQ(r.status, TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_NE(r.error.find("language"), std::string::npos) << r.error;
}

TEST(CodeTool, MissingOrMistypedCodeIsRejected) {
    ToolUnderTest tool(test_config());
    TestCall a, b, c;
    EXPECT_EQ(tool.invoke_json("{}", a).status, TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(tool.invoke_json(R"({"code":1})", b).status, TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(tool.invoke_json(R"({"code":"1","extra":true})", c).status,
              TLLM_ERR_INVALID_ARGUMENT);
}

TEST(CodeTool, InvalidConfigIsRejectedAtCreate) {
    ToolUnderTest unknown(R"({"timeout":5})");
    EXPECT_EQ(unknown.create_status(), TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_NE(unknown.create_error().find("timeout"), std::string::npos);
    ToolUnderTest negative(R"({"memory_mb":-1})");
    EXPECT_EQ(negative.create_status(), TLLM_ERR_INVALID_ARGUMENT);
    ToolUnderTest relative(R"({"python":"python3"})");
    EXPECT_EQ(relative.create_status(), TLLM_ERR_INVALID_ARGUMENT);
}

// Each limit takes its documented range, both ends included, and nothing beyond.
TEST(CodeTool, EachLimitAcceptsItsRangeAndRefusesOneBeyond) {
    struct Range {
        const char *key;
        int64_t min, max;
    };
    for (const Range &r : {Range{"timeout_ms", 1, 3600000}, Range{"cpu_seconds", 1, 3600},
                           Range{"memory_mb", 16, 65536}, Range{"max_processes", 2, 4096},
                           Range{"max_file_size_mb", 1, 65536}, Range{"max_open_files", 16, 65536},
                           Range{"max_output_bytes", 1, 64 << 20}}) {
        const auto config = [&](int64_t n) {
            return "{\"" + std::string(r.key) + "\":" + std::to_string(n) + "}";
        };
        EXPECT_EQ(ToolUnderTest(config(r.min)).create_status(), TLLM_OK) << config(r.min);
        EXPECT_EQ(ToolUnderTest(config(r.max)).create_status(), TLLM_OK) << config(r.max);
        ToolUnderTest below(config(r.min - 1));
        EXPECT_EQ(below.create_status(), TLLM_ERR_INVALID_ARGUMENT) << config(r.min - 1);
        EXPECT_NE(below.create_error().find("must be between " + std::to_string(r.min) + " and " +
                                            std::to_string(r.max)),
                  std::string::npos)
            << below.create_error();
        EXPECT_EQ(ToolUnderTest(config(r.max + 1)).create_status(), TLLM_ERR_INVALID_ARGUMENT)
            << config(r.max + 1);
    }
}

TEST(CodeTool, InterpreterOutsideUsrIsRejected) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config(R"("python":"/root/.pyenv/shims/python3")"));
    ASSERT_EQ(tool.create_status(), TLLM_OK);
    const RunResult r = tool.run("print(1)");
    EXPECT_EQ(r.status, TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_NE(r.error.find("outside /usr"), std::string::npos) << r.error;
}

TEST(CodeTool, CancellationStopsTheRunWithinAboutAHundredMs) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const std::string marker = unique_marker("cancel");
    TestCall call;
    std::atomic<int64_t> cancelled_at{0};
    std::thread canceller([&] {
        // Cancel once the program is certainly running.
        for (int i = 0; i < 300 && processes_with(marker).empty(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        cancelled_at = std::chrono::steady_clock::now().time_since_epoch().count();
        call.cancel();
    });
    // argv[0] carries the marker so the test can find the process on the host.
    RunResult r = tool.invoke_json(
        "{\"code\":" +
            json_quote("import os\nos.execv('/usr/bin/sleep', ['" + marker + "', '100'])") + "}",
        call);
    canceller.join();
    const auto returned = std::chrono::steady_clock::now().time_since_epoch().count();
    EXPECT_EQ(r.status, TLLM_ERR_CANCELLED) << r.describe();
    const auto latency_ms = (returned - cancelled_at.load()) / 1000000;
    // Bounded, not timed: a loaded CI machine (sanitizers, -j2) must not fail it.
    EXPECT_LT(latency_ms, 2000) << "from cancel() to the invoke returning";
    EXPECT_TRUE(processes_with(marker).empty()) << "the sandboxed sleep survived";
}

TEST(CodeTool, CancelledAfterStartReturnsPromptly) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    TestCall call;
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        call.cancel();
    });
    const RunResult r = tool.invoke_json(R"({"code":"sleep 100","language":"sh"})", call);
    canceller.join();
    EXPECT_EQ(r.status, TLLM_ERR_CANCELLED) << r.describe();
    // 300 ms until the cancel, ~20 ms polling, then kill and reap; the slack is for loaded CI.
    EXPECT_LT(r.elapsed_ms, 300 + 3000);
}

TEST(CodeTool, CallerDeadlineShortensTheTimeout) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    TestCall call;
    call.set_remaining_ms(700);
    const RunResult r = tool.invoke_json(R"({"code":"sleep 100","language":"sh"})", call);
    ASSERT_EQ(r.status, TLLM_OK) << r.describe();
    EXPECT_TRUE(r.timed_out);
    EXPECT_NE(r.content.find("[killed: timed out after 700 ms]"), std::string::npos) << r.content;
    EXPECT_LT(r.elapsed_ms, 5000);
}

TEST(CodeTool, NonUtf8OutputStillGivesValidJson) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = tool.run("import sys\nsys.stdout.buffer.write(b'a\\xff\\xfeb\\n')");
    ASSERT_EQ(r.status, TLLM_OK) << r.describe();
    EXPECT_EQ(r.out, "a\xEF\xBF\xBD\xEF\xBF\xBD"
                     "b\n");
}

TEST(CodeTool, MissingBwrapIsUnavailableWithTheFix) {
    ToolUnderTest tool(test_config(R"("bwrap":"/nonexistent/bwrap")"));
    ASSERT_EQ(tool.create_status(), TLLM_OK) << "create must work without a sandbox";
    const RunResult r = tool.run("print('hello')");
    EXPECT_EQ(r.status, TLLM_ERR_UNAVAILABLE) << r.describe();
    EXPECT_NE(r.error.find("/nonexistent/bwrap"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("apt-get install bubblewrap"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("allow_unsandboxed"), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find('\n'), std::string::npos) << "one line";
    // The probe doctor uses gives the same answer.
    const RunResult probe = tool.run("exit 0", "sh");
    EXPECT_EQ(probe.status, TLLM_ERR_UNAVAILABLE);
    EXPECT_EQ(probe.error, r.error);
}

TEST(CodeTool, BareBwrapNameIsNotSearchedInTheCallersPath) {
    // A "bwrap" earlier in PATH must not be picked up: only /usr/bin:/bin are searched.
    ToolUnderTest tool(test_config(R"("bwrap":"no-such-bwrap-anywhere")"));
    const RunResult r = tool.run("print(1)");
    EXPECT_EQ(r.status, TLLM_ERR_UNAVAILABLE);
    EXPECT_NE(r.error.find("/usr/bin:/bin"), std::string::npos) << r.error;
}

TEST(CodeTool, AllowUnsandboxedRunsWithoutBwrapAndWarnsEveryTime) {
    ToolUnderTest tool(test_config(R"("bwrap":"/nonexistent/bwrap","allow_unsandboxed":true)"));
    for (int i = 0; i < 2; ++i) {
        const RunResult r = tool.run("import os\nprint('hello', os.getcwd().startswith('/tmp/'))");
        ASSERT_EQ(r.status, TLLM_OK) << r.describe();
        EXPECT_EQ(r.content, "hello True\n");
        EXPECT_EQ(r.sandbox, "none");
    }
    int warnings = 0;
    for (const auto &line : tool.host().lines()) {
        if (line.level == TLLM_LOG_WARN &&
            line.message.find("WITHOUT the sandbox") != std::string::npos) {
            ++warnings;
            // Why the sandbox cannot run, without the advice to set allow_unsandboxed: the
            // operator has set it.
            EXPECT_EQ(line.message.find("set \"allow_unsandboxed\""), std::string::npos)
                << line.message;
        }
    }
    EXPECT_EQ(warnings, 2);
}

TEST(CodeTool, UnsandboxedStillHasNoNetworkAndLimits) {
    ToolUnderTest tool(
        R"({"bwrap":"/nonexistent/bwrap","allow_unsandboxed":true,"timeout_ms":1000})");
    const RunResult net = tool.run("import socket\n"
                                   "try:\n"
                                   "    socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
                                   "    print('socket created')\n"
                                   "except OSError as e:\n"
                                   "    print('errno', e.errno)");
    ASSERT_EQ(net.status, TLLM_OK) << net.describe();
    EXPECT_EQ(net.content, "errno 97\n"); // EAFNOSUPPORT from the seccomp filter
    const RunResult slow = tool.run("import time\ntime.sleep(30)");
    ASSERT_EQ(slow.status, TLLM_OK) << slow.describe();
    EXPECT_TRUE(slow.timed_out);
    EXPECT_EQ(slow.signal, "SIGKILL");
}

TEST(CodeTool, ContentTextForKillsAndTruncation) {
    SandboxOptions options;
    RunOutcome o;
    o.timeout_ms = 10000;
    o.process.out = "x";
    o.process.out_truncated = true;
    o.process.timed_out = true;
    o.signal = 9;
    o.exit_code = 137;
    EXPECT_EQ(content_text(o, options),
              "x\n[stdout truncated at 65536 bytes]\n[killed: timed out after 10000 ms]\n");
    EXPECT_TRUE(is_error(o));
    EXPECT_EQ(signal_name(9), "SIGKILL");
    EXPECT_EQ(signal_name(24), "SIGXCPU");
    EXPECT_EQ(sanitize_utf8("\xC3\xA9\xC3"), "\xC3\xA9\xEF\xBF\xBD");
}

} // namespace
} // namespace tinyllm::code_tool::testing
