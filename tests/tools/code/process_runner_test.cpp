// The process runner alone, without bwrap: what it guarantees by itself (the keeper's reaping
// of leftover processes) must hold without the sandbox's pid namespace and --die-with-parent,
// which end the same processes when bwrap is there. Defence in depth is only real if each
// layer is tested alone.
#include "process_runner.hpp"

#include "code_tool_fixture.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>

namespace tinyllm::code_tool {
namespace {

using testing::processes_with;
using testing::unique_marker;

constexpr const char *kPython = "/usr/bin/python3";

ProcessSpec python(const std::string &program) {
    ProcessSpec spec;
    spec.argv = {kPython, "-c", program};
    spec.env = {"PATH=/usr/bin:/bin"};
    // Generous: a keeper that does not end the leftovers waits for them until this limit.
    spec.timeout_ms = 15000;
    return spec;
}

TEST(ProcessRunner, TheKeeperKillsADaemonThatLeftItsSession) {
    if (!std::filesystem::exists(kPython)) GTEST_SKIP() << kPython << " is not installed";
    const std::string marker = unique_marker("keeper");
    // A double-forked daemon in its own session (argv[0] = marker); the program waits until
    // it runs, then exits. Only the keeper, its subreaper, can still reach it.
    const ProcessResult r = run_process(python("import os, time\n"
                                               "if os.fork() == 0:\n"
                                               "    os.setsid()\n"
                                               "    if os.fork(): os._exit(0)\n"
                                               "    os.execv('/usr/bin/sleep', ['" +
                                               marker +
                                               "', '1000'])\n"
                                               "def running():\n"
                                               "    for p in os.listdir('/proc'):\n"
                                               "        try:\n"
                                               "            if b'" +
                                               marker +
                                               "' in open(f'/proc/{p}/cmdline', 'rb').read():\n"
                                               "                return True\n"
                                               "        except (OSError, ValueError): pass\n"
                                               "    return False\n"
                                               "while not running(): time.sleep(0.01)\n"
                                               "print('started')\n"));
    EXPECT_EQ(r.out, "started\n") << r.err << r.spawn_error;
    EXPECT_TRUE(r.exited);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_FALSE(r.timed_out) << "the run waited for the daemon instead of ending it";
    const std::vector<std::string> left = processes_with(marker);
    EXPECT_EQ(left, std::vector<std::string>{}) << "the daemon survived";
    for (const std::string &pid : left)
        kill(static_cast<pid_t>(std::stol(pid)), SIGKILL); // leave nothing behind either way
}

TEST(ProcessRunner, ReportsExitCodeSignalAndBothStreams) {
    if (!std::filesystem::exists(kPython)) GTEST_SKIP() << kPython << " is not installed";
    const ProcessResult exited =
        run_process(python("import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)"));
    EXPECT_EQ(exited.out, "out\n");
    EXPECT_EQ(exited.err, "err\n");
    EXPECT_TRUE(exited.exited);
    EXPECT_EQ(exited.exit_code, 3);
    const ProcessResult killed =
        run_process(python("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)"));
    EXPECT_FALSE(killed.exited);
    EXPECT_EQ(killed.term_signal, SIGTERM);
}

} // namespace
} // namespace tinyllm::code_tool
