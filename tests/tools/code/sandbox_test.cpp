// One test per attack a program may try from inside the code tool's sandbox. Each asserts the
// specific way the attack is contained (an errno, a signal, a limit flag, a host file left
// alone), not just a non-zero exit. docs/security.md lists them by name.
#include "code_tool_fixture.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <netinet/in.h>
#include <optional>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace tinyllm::code_tool::testing {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void write_file(const fs::path &path, const std::string &text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
}

// A directory on the host that is removed afterwards. Under /var/tmp, not /tmp: inside the
// sandbox /tmp is a fresh tmpfs, where a program could recreate the same path and "succeed"
// without touching the host.
class HostDir {
public:
    HostDir() {
        char tmpl[] = "/var/tmp/tinyllm-code-test-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) std::abort();
        path_ = tmpl;
    }
    ~HostDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path &path() const { return path_; }

private:
    fs::path path_;
};

// Sets an environment variable of the test process for one test.
class ScopedEnv {
public:
    ScopedEnv(const char *name, const std::string &value) : name_(name) {
        if (const char *old = std::getenv(name)) old_ = old;
        setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old_.has_value()) {
            setenv(name_, old_->c_str(), 1);
        } else {
            unsetenv(name_);
        }
    }

private:
    const char *name_;
    std::optional<std::string> old_;
};

RunResult run_ok(ToolUnderTest &tool, const std::string &code,
                 const std::string &language = "python") {
    RunResult r = tool.run(code, language);
    EXPECT_EQ(r.status, TLLM_OK) << r.describe();
    EXPECT_EQ(r.sandbox, "bubblewrap") << r.describe();
    return r;
}

// ---- network ---------------------------------------------------------------------------------

TEST(CodeSandbox, ConnectToHostLoopbackServerFails) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    const int server = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ASSERT_GE(server, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(server, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    ASSERT_EQ(listen(server, 8), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(getsockname(server, reinterpret_cast<sockaddr *>(&addr), &len), 0);
    const std::string port = std::to_string(ntohs(addr.sin_port));

    ToolUnderTest tool(test_config());
    const RunResult r = run_ok(tool, "import socket\n"
                                     "try:\n"
                                     "    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
                                     "except OSError as e:\n"
                                     "    print('socket', e.errno)\n"
                                     "else:\n"
                                     "    try:\n"
                                     "        s.connect(('127.0.0.1', " +
                                         port +
                                         "))\n"
                                         "        print('connected')\n"
                                         "    except OSError as e:\n"
                                         "        print('connect', e.errno)\n");
    // The filter refuses AF_INET sockets outright (EAFNOSUPPORT); even without it the
    // sandbox's network namespace has its own, empty loopback.
    EXPECT_EQ(r.content, "socket " + std::to_string(EAFNOSUPPORT) + "\n");
    const int accepted = accept(server, nullptr, nullptr);
    EXPECT_EQ(accepted, -1) << "the test's server saw a connection from the sandbox";
    EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
    close(server);
}

TEST(CodeSandbox, Ipv6NetlinkAndPacketSocketsAreRefused) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = run_ok(tool, "import socket\n"
                                     "for fam in (socket.AF_INET6, socket.AF_NETLINK, "
                                     "socket.AF_PACKET):\n"
                                     "    try:\n"
                                     "        socket.socket(fam, socket.SOCK_RAW if fam != "
                                     "socket.AF_INET6 else socket.SOCK_STREAM)\n"
                                     "        print('open')\n"
                                     "    except OSError as e:\n"
                                     "        print(e.errno)\n"
                                     "a, b = socket.socketpair()\n"
                                     "a.send(b'unix ok'); print(b.recv(10).decode())");
    const std::string e = std::to_string(EAFNOSUPPORT) + "\n";
    EXPECT_EQ(r.content, e + e + e + "unix ok\n");
}

TEST(CodeSandbox, DnsResolutionFails) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = run_ok(tool, "import socket\n"
                                     "try:\n"
                                     "    print(socket.getaddrinfo('example.com', 80))\n"
                                     "except socket.gaierror as e:\n"
                                     "    print('gaierror')\n");
    EXPECT_EQ(r.content, "gaierror\n");
}

// Defence in depth holds only if each layer holds by itself: the seccomp filter alone refuses
// every network socket (the tests above), so the namespaces are checked on their own here. Each
// one the kernel has is the sandbox's own, and its network has no interface but its own lo.
TEST(CodeSandbox, EveryNamespaceIsTheSandboxsOwnAndTheNetworkHasOnlyLoopback) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    std::string code = "import os\n";
    std::string expected;
    for (const std::string kind : {"net", "ipc", "pid", "uts", "cgroup", "mnt", "user"}) {
        std::error_code ec;
        const fs::path host = fs::read_symlink("/proc/self/ns/" + kind, ec);
        if (ec) {
            std::cout << "[ note ] this kernel has no " << kind << " namespace: not checked\n";
            continue;
        }
        code += "print('" + kind + "', os.readlink('/proc/self/ns/" + kind + "') != '" +
                host.string() + "')\n";
        expected += kind + " True\n";
    }
    code += "print([l.split(':')[0].strip() for l in "
            "open('/proc/net/dev').read().splitlines()[2:]])\n";
    expected += "['lo']\n";
    ToolUnderTest tool(test_config());
    EXPECT_EQ(run_ok(tool, code).content, expected);
}

// ---- filesystem ------------------------------------------------------------------------------

TEST(CodeSandbox, WritesOutsideTmpFailAndHostFilesStayUnchanged) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    HostDir host;
    const fs::path victim = host.path() / "victim.txt";
    write_file(victim, "original");
    ToolUnderTest tool(test_config());
    const RunResult r = run_ok(tool, "import errno, os\n"
                                     "for p in ['/usr/pwned', '/pwned', '/etc/pwned', "
                                     "'/dev/pwned', '/code/pwned', '/proc/pwned', '" +
                                         victim.string() +
                                         "']:\n"
                                         "    try:\n"
                                         "        os.makedirs(os.path.dirname(p), exist_ok=True)\n"
                                         "        open(p, 'w').write('pwned')\n"
                                         "        print(p, 'WRITTEN')\n"
                                         "    except OSError as e:\n"
                                         "        print(p, errno.errorcode[e.errno])\n");
    EXPECT_EQ(r.out.find("WRITTEN"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("/usr/pwned EROFS"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("/pwned EROFS"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("/dev/pwned EROFS"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(victim.string() + " EROFS"), std::string::npos)
        << "the host path cannot even be created: " << r.out;
    EXPECT_EQ(read_file(victim), "original");
    EXPECT_FALSE(fs::exists("/usr/pwned"));
    EXPECT_FALSE(fs::exists("/pwned"));
}

TEST(CodeSandbox, FilesystemIsReadOnlyExceptTmp) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = run_ok(tool, "import os\n"
                                     "print(sorted(os.listdir('/')))\n"
                                     "print(sorted(os.listdir('/etc')))\n"
                                     "for line in open('/proc/self/mountinfo'):\n"
                                     "    f = line.split()\n"
                                     "    if 'rw' in f[5].split(','):\n"
                                     "        print('rw', f[4])\n");
    EXPECT_EQ(r.content,
              "['bin', 'code', 'dev', 'etc', 'lib', 'lib64', 'proc', 'sbin', 'tmp', 'usr']\n"
              "['alternatives', 'ld.so.cache']\n"
              // /dev/pts, /dev/null... are device mounts inside the read-only /dev: writing a
              // tty or /dev/null creates nothing. /proc is the sandbox's own procfs.
              "rw /proc\n"
              "rw /dev/null\nrw /dev/zero\nrw /dev/full\nrw /dev/random\nrw /dev/urandom\n"
              "rw /dev/tty\nrw /dev/pts\nrw /tmp\n")
        << r.content;
}

TEST(CodeSandbox, HostHomeDataDirAndRootAreInvisible) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    HostDir home;
    const fs::path secret = home.path() / "secret.txt";
    const fs::path data = home.path() / ".local/share/tinyllm";
    fs::create_directories(data);
    write_file(secret, "TOPSECRET");
    write_file(data / "runs.db", "TOPSECRET");
    ScopedEnv env("HOME", home.path().string());
    ToolUnderTest tool(test_config());
    const RunResult r = run_ok(tool, "import os\n"
                                     "for p in ['" +
                                         secret.string() + "', '" + (data / "runs.db").string() +
                                         "', '/root/.bashrc', '/home', '/etc/passwd', "
                                         "'/etc/shadow', os.path.expanduser('~/secret.txt')]:\n"
                                         "    print(p, os.path.exists(p))\n"
                                         "print('HOME', os.environ.get('HOME'))\n");
    EXPECT_EQ(r.out.find("True"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("TOPSECRET"), std::string::npos);
    EXPECT_NE(r.out.find("HOME /tmp\n"), std::string::npos) << r.out;
}

TEST(CodeSandbox, TmpIsDiscardedBetweenRuns) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult first = run_ok(tool, "open('/tmp/left-behind', 'w').write('x')\n"
                                         "import os; print(os.listdir('/tmp'))");
    EXPECT_EQ(first.content, "['left-behind']\n");
    const RunResult second = run_ok(tool, "import os; print(os.listdir('/tmp'))");
    EXPECT_EQ(second.content, "[]\n");
}

TEST(CodeSandbox, FileSizeLimitStopsA100MBWrite) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config("\"max_file_size_mb\":4"));
    const RunResult r = run_ok(tool, "import errno\n"
                                     "f = open('/tmp/big', 'wb', buffering=0)\n"
                                     "chunk = b'x' * (1 << 20)\n"
                                     "written = 0\n"
                                     "try:\n"
                                     "    for _ in range(100):\n"
                                     "        written += f.write(chunk)\n"
                                     "except OSError as e:\n"
                                     "    print(errno.errorcode[e.errno], written >> 20)\n");
    // RLIMIT_FSIZE: Python ignores SIGXFSZ, so the write fails with EFBIG at 4 MiB.
    EXPECT_EQ(r.content, "EFBIG 4\n");
}

TEST(CodeSandbox, TmpfsSizeIsBounded) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    // Many files each under the file size limit: /tmp's own size stops them (ENOSPC).
    ToolUnderTest tool(test_config("\"max_file_size_mb\":2"));
    const RunResult r = run_ok(tool, "import errno, os\n"
                                     "s = os.statvfs('/tmp')\n"
                                     "print(s.f_blocks * s.f_frsize)\n"
                                     "chunk = b'x' * (1 << 20)\n"
                                     "try:\n"
                                     "    for i in range(100):\n"
                                     "        with open(f'/tmp/f{i}', 'wb') as f:\n"
                                     "            f.write(chunk)\n"
                                     "except OSError as e:\n"
                                     "    print(errno.errorcode[e.errno], i)\n");
    EXPECT_EQ(r.content, "8388608\nENOSPC 8\n"); // 4 x 2 MiB of tmpfs, 1 MiB files
}

// ---- processes and resources -----------------------------------------------------------------

TEST(CodeSandbox, ForkBombIsContainedAndTheHostCanStillFork) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config("\"timeout_ms\":2000,\"max_processes\":16"));
    const RunResult r = run_ok(tool, "import os, sys\n"
                                     "failed = 0\n"
                                     "while True:\n"
                                     "    try:\n"
                                     "        if os.fork() == 0:\n"
                                     "            continue\n"
                                     "    except OSError as e:\n"
                                     "        failed += 1\n"
                                     "        if failed == 1:\n"
                                     "            print('fork refused', e.errno, flush=True)\n");
    EXPECT_TRUE(r.timed_out) << r.describe();
    EXPECT_EQ(r.signal, "SIGKILL");
    EXPECT_NE(r.out.find("fork refused " + std::to_string(EAGAIN)), std::string::npos)
        << "RLIMIT_NPROC must refuse forks: " << r.out;
    EXPECT_LT(r.elapsed_ms, 2000 + 5000); // bounded; slack for loaded CI
    // The host is fine: this process can still fork.
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) _exit(7);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EQ(WEXITSTATUS(status), 7);
}

TEST(CodeSandbox, MemoryBombFailsWithMemoryError) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = run_ok(tool, "b = bytearray(2 * 1024 ** 3)\nprint('allocated')");
    EXPECT_TRUE(r.is_error);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("MemoryError"), std::string::npos) << r.err;
}

TEST(CodeSandbox, CpuSpinIsKilledByTheCpuLimit) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    // A wall-clock timeout far away: on a loaded machine 1 s of CPU can take several seconds.
    ToolUnderTest tool(test_config("\"cpu_seconds\":1,\"timeout_ms\":60000"));
    const RunResult r = run_ok(tool, "while True: pass");
    EXPECT_FALSE(r.timed_out) << r.describe();
    EXPECT_EQ(r.signal, "SIGXCPU");
    EXPECT_EQ(r.exit_code, 128 + SIGXCPU);
    EXPECT_TRUE(r.is_error);
    EXPECT_GE(r.cpu_ms, 500); // measured, not exact: the kernel accounts CPU in ticks
    EXPECT_NE(r.content.find("[killed by SIGXCPU: CPU time limit of 1 s reached]"),
              std::string::npos)
        << r.content;
}

TEST(CodeSandbox, CpuSpinIsKilledByTheTimeout) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config("\"timeout_ms\":1000"));
    const RunResult r = run_ok(tool, "while True: pass");
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.signal, "SIGKILL");
    EXPECT_GE(r.wall_ms, 1000);
    EXPECT_LT(r.wall_ms, 6000); // bounded; slack for loaded CI
    EXPECT_NE(r.content.find("[killed: timed out after 1000 ms]"), std::string::npos);
}

TEST(CodeSandbox, InfiniteOutputIsTruncatedAndEnds) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config("\"timeout_ms\":3000,\"max_output_bytes\":4096"));
    const RunResult r = run_ok(tool, "import sys\n"
                                     "while True:\n"
                                     "    print('x' * 1000)\n"
                                     "    print('e' * 1000, file=sys.stderr)\n");
    EXPECT_TRUE(r.stdout_truncated);
    EXPECT_TRUE(r.stderr_truncated);
    EXPECT_EQ(r.out.size(), 4096u);
    EXPECT_EQ(r.err.size(), 4096u);
    EXPECT_FALSE(r.timed_out) << "killed for its output long before the timeout";
    EXPECT_EQ(r.signal, "SIGKILL");
    EXPECT_LT(r.elapsed_ms, 6000);
    EXPECT_NE(r.content.find("[stdout truncated at 4096 bytes]"), std::string::npos);
    EXPECT_NE(r.content.find("[killed: wrote more than 65536 bytes of output]"), std::string::npos)
        << r.content.substr(r.content.size() - 200);
}

TEST(CodeSandbox, SleepPastTheTimeoutIsKilled) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config("\"timeout_ms\":1000"));
    const RunResult r = run_ok(tool, "import time\nprint('before', flush=True)\ntime.sleep(60)");
    EXPECT_TRUE(r.timed_out);
    EXPECT_TRUE(r.is_error);
    EXPECT_EQ(r.signal, "SIGKILL");
    EXPECT_EQ(r.out, "before\n") << "output written before the kill is kept";
    EXPECT_GE(r.wall_ms, 1000);
    EXPECT_LT(r.wall_ms, 6000); // bounded; slack for loaded CI
}

TEST(CodeSandbox, BackgroundProcessesDoNotOutliveTheRun) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    const std::string marker = unique_marker("orphan");
    ToolUnderTest tool(test_config());
    // A forked child that execs a long sleep (argv[0] = marker), and a double-forked daemon
    // in its own session; the parent waits until both exist, then exits.
    const RunResult r = run_ok(tool, "import os, time\n"
                                     "def spawn(daemon):\n"
                                     "    pid = os.fork()\n"
                                     "    if pid == 0:\n"
                                     "        if daemon:\n"
                                     "            os.setsid()\n"
                                     "            if os.fork(): os._exit(0)\n"
                                     "        os.execv('/usr/bin/sleep', ['" +
                                         marker +
                                         "', '1000'])\n"
                                         "    return pid\n"
                                         "spawn(False); spawn(True)\n"
                                         "def count():\n"
                                         "    n = 0\n"
                                         "    for p in os.listdir('/proc'):\n"
                                         "        try:\n"
                                         "            n += b'" +
                                         marker +
                                         "' in open(f'/proc/{p}/cmdline', 'rb').read()\n"
                                         "        except (OSError, ValueError): pass\n"
                                         "    return n\n"
                                         "while count() < 2: time.sleep(0.01)\n"
                                         "print('started', count())\n");
    EXPECT_EQ(r.content, "started 2\n");
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(processes_with(marker), std::vector<std::string>{})
        << "a sandboxed process survived the run";
}

// ---- identity, privileges, kernel interfaces -------------------------------------------------

TEST(CodeSandbox, HostEnvironmentIsNotVisible) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ScopedEnv secret("TINYLLM_TEST_SECRET", "hunter2-secret");
    ScopedEnv ollama("OLLAMA_HOST", "http://10.0.0.1:11434");
    ScopedEnv token("GITHUB_TOKEN", "ghp_secret");
    ToolUnderTest tool(test_config());
    const RunResult r =
        run_ok(tool, "import os\nprint(sorted(os.environ))\n"
                     "print(open('/proc/1/environ', 'rb').read().count(b'secret'))");
    // PWD is bwrap's (--chdir /tmp).
    EXPECT_EQ(r.content, "['HOME', 'LANG', 'PATH', 'PWD', 'PYTHONDONTWRITEBYTECODE', "
                         "'PYTHONUNBUFFERED', 'TMPDIR']\n0\n");
    EXPECT_EQ(r.json.find("hunter2"), std::string::npos);
}

TEST(CodeSandbox, RunsUnprivilegedWithNoCapabilities) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r =
        run_ok(tool, "import os\n"
                     "st = dict(l.split(':', 1) for l in open('/proc/self/status'))\n"
                     "for k in ['Uid', 'Gid', 'CapInh', 'CapPrm', 'CapEff', "
                     "'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp']:\n"
                     "    print(k, ' '.join(st[k].split()))\n"
                     // A non-root host user's supplementary groups show as the
                     // overflow gid 65534; root's were dropped before bwrap.
                     "print('groups', all(g == 65534 for g in os.getgroups()))\n"
                     "print('uids mapped', open('/proc/self/uid_map').read().split()[2])\n");
    EXPECT_EQ(r.content, "Uid 65534 65534 65534 65534\n"
                         "Gid 65534 65534 65534 65534\n"
                         "CapInh 0000000000000000\n"
                         "CapPrm 0000000000000000\n"
                         "CapEff 0000000000000000\n"
                         "CapBnd 0000000000000000\n"
                         "CapAmb 0000000000000000\n"
                         "NoNewPrivs 1\n"
                         "Seccomp 2\n"
                         "groups True\n"
                         "uids mapped 1\n");
}

TEST(CodeSandbox, SandboxedProcessesRunAsAnUnprivilegedHostUid) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    // Seen from the host: never uid 0, even when the host runs as root (then it is nobody,
    // 65534, which RLIMIT_NPROC applies to; root is exempt from it).
    const std::string marker = unique_marker("uid");
    ToolUnderTest tool(test_config());
    TestCall call;
    std::string uid_line;
    std::thread watcher([&] {
        for (int i = 0; i < 500 && uid_line.empty(); ++i) {
            for (const auto &pid : processes_with(marker)) {
                std::ifstream status("/proc/" + pid + "/status");
                for (std::string line; std::getline(status, line);) {
                    if (line.rfind("Uid:", 0) == 0) uid_line = line;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        call.cancel();
    });
    const RunResult r = tool.invoke_json(
        "{\"code\":" +
            json_quote("import os\nos.execv('/usr/bin/sleep', ['" + marker + "', '30'])") + "}",
        call);
    watcher.join();
    EXPECT_EQ(r.status, TLLM_ERR_CANCELLED) << r.describe();
    const std::string expected = std::to_string(geteuid() == 0 ? 65534u : geteuid());
    EXPECT_EQ(uid_line, "Uid:\t" + expected + "\t" + expected + "\t" + expected + "\t" + expected);
}

TEST(CodeSandbox, PtraceIsDenied) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = run_ok(tool, "import ctypes, errno, os\n"
                                     "libc = ctypes.CDLL(None, use_errno=True)\n"
                                     "PTRACE_TRACEME, PTRACE_ATTACH = 0, 16\n"
                                     "print(libc.ptrace(PTRACE_TRACEME, 0, None, None), "
                                     "errno.errorcode[ctypes.get_errno()])\n"
                                     "for pid in (1, os.getppid()):\n"
                                     "    print(libc.ptrace(PTRACE_ATTACH, pid, None, None), "
                                     "errno.errorcode[ctypes.get_errno()])\n");
    EXPECT_EQ(r.content, "-1 EPERM\n-1 EPERM\n-1 EPERM\n");
}

TEST(CodeSandbox, ProcShowsOnlyTheSandbox) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const std::string host_pid = std::to_string(getpid());
    const RunResult r = run_ok(tool, "import os\n"
                                     "pids = sorted(int(p) for p in os.listdir('/proc') if "
                                     "p.isdigit())\n"
                                     "print('few pids', len(pids) <= 3, pids[0])\n"
                                     "print('host pid visible', os.path.exists('/proc/" +
                                         host_pid +
                                         "'))\n"
                                         "print('pid 1 root', os.path.exists("
                                         "'/proc/1/root/etc/shadow'), os.path.exists("
                                         "'/proc/1/root/root'))\n"
                                         "print('hostname', os.uname().nodename)\n");
    EXPECT_EQ(r.content, "few pids True 1\nhost pid visible False\n"
                         "pid 1 root False False\nhostname sandbox\n");
}

TEST(CodeSandbox, OnlyStdioFileDescriptorsAreInherited) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    // The test process holds this file open; the sandbox must not see it (nor the pipes and
    // memfds the runner used to set bwrap up).
    HostDir dir;
    const int fd = open((dir.path() / "held-open").c_str(), O_CREAT | O_RDWR, 0600);
    ASSERT_GE(fd, 0);
    ToolUnderTest tool(test_config());
    const RunResult r =
        run_ok(tool, "import os\nprint(sorted(int(f) for f in os.listdir('/proc/self/fd')))");
    close(fd);
    // 3 is the directory listdir itself opened.
    EXPECT_EQ(r.content, "[0, 1, 2, 3]\n");
}

#if defined(__x86_64__)

// Syscalls the filter denies, called by number (x86_64) through libc's syscall(): EPERM.
TEST(CodeSandbox, DangerousSyscallsReturnEperm) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = run_ok(tool, "import ctypes, errno\n"
                                     "libc = ctypes.CDLL(None, use_errno=True)\n"
                                     "calls = {'keyctl': 250, 'add_key': 248, 'bpf': 321, "
                                     "'perf_event_open': 298, 'userfaultfd': 323, "
                                     "'io_uring_setup': 425, 'mount': 165, 'umount2': 166, "
                                     "'pivot_root': 155, 'chroot': 161, 'unshare': 272, "
                                     "'setns': 308, 'process_vm_readv': 310, 'init_module': 175, "
                                     "'kexec_load': 246, 'reboot': 169, 'swapon': 167, "
                                     "'acct': 163, 'open_by_handle_at': 304, "
                                     "'name_to_handle_at': 303, 'personality': 135, "
                                     "'fsopen': 430}\n"
                                     "for name, nr in calls.items():\n"
                                     "    rc = libc.syscall(nr, 0x400000, 0, 0, 0, 0)\n"
                                     "    e = ctypes.get_errno()\n"
                                     "    if rc != -1 or e != errno.EPERM:\n"
                                     "        print(name, rc, errno.errorcode.get(e))\n"
                                     "print('done')\n");
    EXPECT_EQ(r.content, "done\n") << "listed: calls that were not refused with EPERM";
}

TEST(CodeSandbox, NewUserNamespaceIsDenied) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = run_ok(tool, "import ctypes, errno\n"
                                     "libc = ctypes.CDLL(None, use_errno=True)\n"
                                     "CLONE_NEWUSER, CLONE_NEWNET, SIGCHLD = 0x10000000, "
                                     "0x40000000, 17\n"
                                     "print(libc.unshare(CLONE_NEWUSER), "
                                     "errno.errorcode[ctypes.get_errno()])\n"
                                     "print(libc.syscall(56, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, "
                                     "0), errno.errorcode[ctypes.get_errno()])\n"
                                     "print(libc.syscall(56, CLONE_NEWNET | SIGCHLD, 0, 0, 0, "
                                     "0), errno.errorcode[ctypes.get_errno()])\n"
                                     "print(libc.syscall(435, 0, 0), "
                                     "errno.errorcode[ctypes.get_errno()])\n");
    // unshare and clone(CLONE_NEW*) EPERM; clone3 ENOSYS (its flags are out of the filter's
    // reach, so libc must fall back to clone).
    EXPECT_EQ(r.content, "-1 EPERM\n-1 EPERM\n-1 EPERM\n-1 ENOSYS\n");
}

TEST(CodeSandbox, TiocstiIsDenied) {
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = run_ok(tool, "import errno, fcntl, os, termios\n"
                                     "for f in (0, 1, 2):\n"
                                     "    try:\n"
                                     "        fcntl.ioctl(f, termios.TIOCSTI, b'x')\n"
                                     "        print('injected')\n"
                                     "    except OSError as e:\n"
                                     "        print(errno.errorcode[e.errno])\n");
    // The seccomp rule answers before the tty layer looks at the fd: EPERM, not ENOTTY.
    // (There is no terminal to reach anyway: --new-session, and /dev/tty gives ENXIO.)
    EXPECT_EQ(r.out.find("injected"), std::string::npos) << r.out;
    EXPECT_EQ(r.out, "EPERM\nEPERM\nEPERM\n") << r.describe();
}

// An i386 system call (int 0x80, eax = 20: getpid) from 64-bit code, as a Python program.
constexpr const char *kI386SyscallProgram =
    "import ctypes, mmap\n"
    "code = bytes([0xb8, 20, 0, 0, 0, 0xcd, 0x80, 0xc3])\n"
    "m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
    "m.write(code)\n"
    "addr = ctypes.addressof(ctypes.c_char.from_buffer(m))\n"
    "print('calling', flush=True)\n"
    "print('returned', ctypes.CFUNCTYPE(ctypes.c_int)(addr)())\n";

// Whether this kernel offers the i386 entry at all, asked outside any sandbox: a kernel built
// without IA32 emulation (or booted with ia32_emulation=0) raises a general protection fault
// on int 0x80, so the call never reaches seccomp or the kernel's syscall table.
enum class I386Entry { offered, absent };

struct I386Probe {
    std::optional<I386Entry> entry; // nullopt: the probe itself failed; `said` tells how
    std::string said;
};

I386Probe probe_i386_entry() {
    const std::string command =
        // The sandbox's interpreter; the program travels in the environment, unquoted by sh.
        "/usr/bin/python3 -c \"$TINYLLM_I386_PROBE\" 2>&1";
    ScopedEnv program("TINYLLM_I386_PROBE", kI386SyscallProgram);
    I386Probe probe;
    FILE *p = popen(command.c_str(), "r");
    if (p == nullptr) {
        probe.said = std::string("popen: ") + std::strerror(errno);
        return probe;
    }
    char buf[256];
    while (fgets(buf, sizeof buf, p) != nullptr)
        probe.said += buf;
    const int status = pclose(p);
    // sh -c reports a child killed by a signal as exit 128 + signal.
    const bool segv = (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) ||
                      (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGSEGV);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
        probe.said.find("returned") != std::string::npos) {
        probe.entry = I386Entry::offered;
    } else if (segv && probe.said.rfind("calling\n", 0) == 0 &&
               probe.said.find("returned") == std::string::npos) {
        probe.entry = I386Entry::absent;
    }
    probe.said += "[status " + std::to_string(status) + "]";
    return probe;
}

TEST(CodeSandbox, ForeignArchitectureSyscallNeverRuns) {
    // What this guards: an i386 system call never executes inside the sandbox. Its numbers are
    // not the native ones the filter describes, so where the kernel offers the i386 entry the
    // filter kills the program (SIGSYS) instead of letting it dodge the rules; where the kernel
    // has no such entry, the CPU faults first and the program dies of SIGSEGV. Either way the
    // call does not return. Which case this machine is, is probed outside the sandbox.
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    const I386Probe probe = probe_i386_entry();
    ASSERT_TRUE(probe.entry.has_value())
        << "could not tell whether this kernel offers the i386 entry; the probe said: "
        << probe.said;
    const bool offered = *probe.entry == I386Entry::offered;
    const char *machine = offered ? "this kernel offers the i386 entry (int 0x80 reaches the "
                                    "syscall layer): the seccomp filter must kill with SIGSYS"
                                  : "this kernel has no i386 entry (int 0x80 faults outside "
                                    "the sandbox): the program must die before the call runs";
    std::cout << "[ machine  ] " << machine << '\n';
    RecordProperty("i386_entry", offered ? "offered" : "absent");

    ToolUnderTest tool(test_config());
    const RunResult r = run_ok(tool, kI386SyscallProgram);
    EXPECT_EQ(r.out, "calling\n") << "the call returned inside the sandbox: " << r.describe();
    if (offered) {
        EXPECT_EQ(r.signal, "SIGSYS") << machine << '\n' << r.describe();
        EXPECT_NE(r.content.find("[killed by SIGSYS: forbidden system call]"), std::string::npos)
            << r.describe();
    } else {
        EXPECT_EQ(r.signal, "SIGSEGV") << machine << '\n' << r.describe();
        EXPECT_NE(r.content.find("[killed by SIGSEGV]"), std::string::npos) << r.describe();
    }
}

TEST(CodeSandbox, X32SyscallKillsTheProgram) {
    // The same on kernels with and without the x32 ABI (CONFIG_X86_X32_ABI): seccomp sees the
    // number before the kernel looks it up, and the filter (native x86_64 only) kills anything
    // with the x32 bit 0x40000000 as a foreign architecture. Outside a filter, a kernel without
    // x32 would answer ENOSYS instead.
    TINYLLM_SKIP_WITHOUT_SANDBOX();
    ToolUnderTest tool(test_config());
    const RunResult r = run_ok(tool, "import ctypes\n"
                                     "libc = ctypes.CDLL(None, use_errno=True)\n"
                                     "print('calling', flush=True)\n"
                                     "print('returned', libc.syscall(0x40000000 | 39))\n");
    EXPECT_EQ(r.out, "calling\n");
    EXPECT_EQ(r.signal, "SIGSYS") << r.describe();
}

#endif // __x86_64__

} // namespace
} // namespace tinyllm::code_tool::testing
