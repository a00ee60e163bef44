// `isolation: process` end to end inside one test process: the test plugins loaded through
// isolation::load_isolated run in the real tinyllm-plugin-host, and are created and called
// through runtime::Node exactly as a graph calls an in-process node.
#include "isolation/plugin_process.hpp"

#include "messages/chat.hpp"
#include "runtime/call_context.hpp"
#include "runtime/node.hpp"

#include "test_support_common.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <unistd.h>

namespace tinyllm::isolation {
namespace {

using test_support::error_of;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

ProcessOptions options(int max_crashes = 3) {
    ProcessOptions o;
    o.plugin_host = TINYLLM_TEST_PLUGIN_HOST;
    o.start_timeout = std::chrono::milliseconds(5000);
    o.stop_grace = std::chrono::milliseconds(200);
    o.max_crashes = max_crashes;
    return o;
}

std::unique_ptr<plugin::LoadedPlugin> load(const char *path, const ProcessOptions &o = options()) {
    plugin::LoadResult r = load_isolated(path, o);
    if (auto *f = std::get_if<plugin::LoadFailure>(&r)) {
        ADD_FAILURE() << plugin::describe(*f);
        return nullptr;
    }
    return std::move(std::get<std::unique_ptr<plugin::LoadedPlugin>>(r));
}

plugin::ComponentRef component(const plugin::LoadedPlugin &p, std::string_view name) {
    for (const tllm_component *c : p.components) {
        if (name == c->name) return {c, &p};
    }
    ADD_FAILURE() << "no component " << name;
    return {};
}

// A host that answers chats with "echo: <last content>" and knows one tool, "shout".
class Services final : public runtime::HostServices {
public:
    messages::ChatResponse chat(const tllm_call *parent, messages::ChatRequest request) override {
        runtime::CallContext call(parent);
        call.emit(R"({"type":"token","content":"echo"})");
        messages::ChatResponse r;
        r.message.role = "assistant";
        r.message.content = "echo: " + request.messages.back().content;
        return r;
    }
    std::string call_tool(const tllm_call *, const std::string &tool,
                          const std::string &arguments) override {
        if (tool != "shout") throw Error(ErrorCode::not_found, "no tool named \"" + tool + "\"");
        return R"({"content":"SHOUTED )" + std::to_string(arguments.size()) + R"("})";
    }
    std::string describe_tool(const std::string &tool) override {
        if (tool != "shout") throw Error(ErrorCode::not_found, "no tool named \"" + tool + "\"");
        return R"({"type":"function","function":{"name":"shout","description":"d","parameters":{}}})";
    }
};

struct Call {
    runtime::CancelToken token;
    std::vector<std::string> events;
    runtime::CallContext ctx;
    explicit Call(std::optional<Clock::time_point> deadline = std::nullopt)
        : ctx(token, deadline, [this](std::string_view e) { events.emplace_back(e); }) {}
};

std::unique_ptr<runtime::Node> make(const plugin::LoadedPlugin &p, const char *type,
                                    const std::string &config = "{}",
                                    runtime::HostServices *services = nullptr) {
    auto node = std::make_unique<runtime::Node>("n", component(p, type), config, services);
    Call activation;
    node->activate(activation.ctx);
    return node;
}

TEST(Isolation, AnIsolatedNodeAnswersAsItWouldInProcess) {
    const auto plugin = load(TINYLLM_TEST_NODES_PLUGIN);
    ASSERT_TRUE(plugin);
    EXPECT_TRUE(plugin->isolated);
    EXPECT_STREQ(plugin->descriptor->id, "org.tinyllm.test.nodes");
    EXPECT_EQ(plugin->descriptor->abi.major, static_cast<uint32_t>(TLLM_ABI_VERSION_MAJOR));
    const auto node = make(*plugin, "append", R"({"text":" [x]"})");
    Call call;
    EXPECT_EQ(node->process(call.ctx, R"({"content":"q"})"), R"({"message":{"content":"q [x]"}})");
}

TEST(Isolation, HostServicesAndEventsCrossTheSocket) {
    const auto plugin = load(TINYLLM_TEST_NODES_PLUGIN);
    ASSERT_TRUE(plugin);
    Services services;
    const auto asker = make(*plugin, "ask_model", R"({"model":"tiny"})", &services);
    Call call;
    EXPECT_EQ(asker->process(call.ctx, R"({"content":"2+2?"})"),
              R"({"message":{"content":"echo: 2+2?"}})");
    EXPECT_THAT(call.events, ::testing::Contains(R"({"type":"token","content":"echo"})"));

    // use_tool describes its tool in activate (a service call during activation) and calls it.
    const auto user = make(*plugin, "use_tool", R"({"tool":"shout"})", &services);
    Call second;
    EXPECT_THAT(user->process(second.ctx, R"({"content":"hi"})"), HasSubstr("SHOUTED"));
    const auto e = error_of([&] { make(*plugin, "use_tool", R"({"tool":"nope"})", &services); });
    ASSERT_TRUE(e);
    EXPECT_THAT(e->what(), HasSubstr("activate failed"));
    EXPECT_THAT(e->what(), HasSubstr("no tool named \"nope\""));
}

TEST(Isolation, ConcurrentCallsOnOneInstance) {
    const auto plugin = load(TINYLLM_TEST_NODES_PLUGIN);
    ASSERT_TRUE(plugin);
    const auto node = make(*plugin, "append", R"({"text":"!"})");
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) {
                Call call;
                const std::string in = std::to_string(t * 100 + i);
                if (node->process(call.ctx, R"({"content":")" + in + R"("})") ==
                    R"({"message":{"content":")" + in + R"(!"}})") {
                    ++ok;
                }
            }
        });
    }
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(ok.load(), 80);
}

TEST(Isolation, CancellationReachesThePluginInItsProcess) {
    const auto plugin = load(TINYLLM_TEST_NODES_PLUGIN);
    ASSERT_TRUE(plugin);
    const auto node = make(*plugin, "sleep", R"({"ms":10000})");
    Call call;
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        call.token.cancel();
    });
    const auto start = Clock::now();
    const auto e = error_of([&] { node->process(call.ctx, "{}"); });
    canceller.join();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::cancelled) << e->what();
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(5)); // not the node's 10 s
}

TEST(Isolation, ACrashFailsTheCallNamingThePluginAndTheNodeThenRestartsThenDisables) {
    const auto plugin = load(TINYLLM_TEST_RAW_NODES_PLUGIN, options(2));
    ASSERT_TRUE(plugin);
    const auto node = make(*plugin, "raw_segv");
    for (int attempt = 1; attempt <= 2; ++attempt) {
        Call call;
        const auto e = error_of([&] { node->process(call.ctx, "{}"); });
        ASSERT_TRUE(e) << attempt;
        EXPECT_EQ(e->code(), ErrorCode::plugin); // the plugin's failure, as in-process
        EXPECT_THAT(e->what(), StartsWith("plugin org.tinyllm.test.raw-nodes crashed (SIGSEGV) "
                                          "in node n (process); "))
            << attempt;
        EXPECT_THAT(e->what(), HasSubstr(attempt == 1 ? "restarted for the next call"
                                                      : "disabled after 2 crashes"));
    }
    Call call;
    const auto e = error_of([&] { node->process(call.ctx, "{}"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::unavailable);
    EXPECT_THAT(e->what(), HasSubstr("is disabled: its process crashed 2 times (last: SIGSEGV)"));
}

TEST(Isolation, AfterACrashTheNextCallWorks) {
    const auto plugin = load(TINYLLM_TEST_RAW_NODES_PLUGIN);
    ASSERT_TRUE(plugin);
    const auto crashing = make(*plugin, "raw_segv");
    const auto fine = make(*plugin, "raw_ok");
    Call first;
    EXPECT_TRUE(error_of([&] { crashing->process(first.ctx, "{}"); }));
    // A new process, in which `fine` is created again before it answers.
    Call second;
    EXPECT_EQ(fine->process(second.ctx, R"({"content":"still here"})"), R"({"set":{}})");
}

// The plugin processes this test process started for `plugin_file` (by /proc: their parent is
// us and their command line names the file).
std::vector<pid_t> plugin_processes(const std::string &plugin_file) {
    std::vector<pid_t> out;
    for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        std::getline(stat, line);
        const size_t close = line.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(line.substr(close + 2));
        char state = 0;
        pid_t ppid = 0;
        rest >> state >> ppid;
        if (ppid != ::getpid() || state == 'Z') continue;
        std::ifstream cmdline(entry.path() / "cmdline");
        const std::string args((std::istreambuf_iterator<char>(cmdline)),
                               std::istreambuf_iterator<char>());
        if (args.find(plugin_file) != std::string::npos) out.push_back(std::stoi(name));
    }
    return out;
}

TEST(Isolation, AProcessThatDiedBetweenCallsIsRestartedForTheNextCall) {
    const auto plugin = load(TINYLLM_TEST_RAW_NODES_PLUGIN);
    ASSERT_TRUE(plugin);
    const auto fine = make(*plugin, "raw_ok");
    const std::vector<pid_t> running = plugin_processes(TINYLLM_TEST_RAW_NODES_PLUGIN);
    ASSERT_EQ(running.size(), 1u);
    ::kill(running.front(), SIGKILL); // as if a thread of the plugin's own had crashed it
    // Wait until the process can be reaped: a zombie whose other threads are gone too (a
    // thread group's leader is not reaped before its last thread exits).
    const auto reapable = [pid = running.front()] {
        std::ifstream status("/proc/" + std::to_string(pid) + "/status");
        bool zombie = false;
        bool alone = false;
        for (std::string line; std::getline(status, line);) {
            if (line.rfind("State:", 0) == 0) zombie = line.find('Z') != std::string::npos;
            if (line.rfind("Threads:", 0) == 0) alone = std::stoi(line.substr(8)) == 1;
        }
        return zombie && alone;
    };
    for (int i = 0; i < 1000 && !reapable(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(reapable()) << "the killed plugin process did not become reapable within 5 s";
    Call call;
    EXPECT_EQ(fine->process(call.ctx, "{}"), R"({"set":{}})"); // not a failure of this call
}

TEST(Isolation, AnAbortAndACrashInCreateOrActivateAreReportedTheSameWay) {
    const auto plugin = load(TINYLLM_TEST_RAW_NODES_PLUGIN);
    ASSERT_TRUE(plugin);
    const auto aborting = make(*plugin, "raw_abort");
    Call call;
    const auto e = error_of([&] { aborting->process(call.ctx, "{}"); });
    ASSERT_TRUE(e);
    EXPECT_THAT(e->what(), HasSubstr("crashed (SIGABRT) in node n (process)"));

    const auto in_create = error_of([&] { make(*plugin, "raw_segv_create"); });
    ASSERT_TRUE(in_create);
    EXPECT_THAT(in_create->what(), HasSubstr("create failed: plugin org.tinyllm.test.raw-nodes "
                                             "crashed (SIGSEGV) in node n (create)"));
    const auto in_activate = error_of([&] { make(*plugin, "raw_segv_activate"); });
    ASSERT_TRUE(in_activate);
    EXPECT_THAT(in_activate->what(), HasSubstr("activate failed: plugin org.tinyllm.test.raw-nodes "
                                               "crashed (SIGSEGV) in node n (activate)"));
}

TEST(Isolation, ANodeThatIgnoresItsDeadlineIsEndedByKillingItsProcess) {
    const auto plugin = load(TINYLLM_TEST_RAW_NODES_PLUGIN);
    ASSERT_TRUE(plugin);
    const auto node = make(*plugin, "raw_spin");
    Call call(Clock::now() + std::chrono::milliseconds(100));
    const auto start = Clock::now();
    const auto e = error_of([&] { node->process(call.ctx, "{}"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::timeout) << e->what();
    EXPECT_THAT(e->what(), HasSubstr("did not stop when asked; its process was killed"));
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
}

TEST(Isolation, LoadFailuresAreTheScannersWords) {
    plugin::LoadResult major = load_isolated(TINYLLM_TEST_ABI_MAJOR_PLUGIN, options());
    ASSERT_TRUE(std::holds_alternative<plugin::LoadFailure>(major));
    EXPECT_EQ(std::get<plugin::LoadFailure>(major).kind, plugin::FailureKind::abi_mismatch);

    plugin::LoadResult segv = load_isolated(
        std::string(TINYLLM_TEST_CRASH_DIR) + "/tinyllm-test-crash-segv.so", options());
    ASSERT_TRUE(std::holds_alternative<plugin::LoadFailure>(segv));
    EXPECT_EQ(std::get<plugin::LoadFailure>(segv).kind, plugin::FailureKind::crashed);
    EXPECT_THAT(std::get<plugin::LoadFailure>(segv).message, HasSubstr("SIGSEGV"));

    ProcessOptions quick = options();
    quick.start_timeout = std::chrono::milliseconds(300);
    plugin::LoadResult hang =
        load_isolated(std::string(TINYLLM_TEST_CRASH_DIR) + "/tinyllm-test-crash-hang.so", quick);
    ASSERT_TRUE(std::holds_alternative<plugin::LoadFailure>(hang));
    EXPECT_EQ(std::get<plugin::LoadFailure>(hang).kind, plugin::FailureKind::hung);
}

} // namespace
} // namespace tinyllm::isolation
