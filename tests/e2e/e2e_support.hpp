// The fixture every end-to-end test uses: a FakeOllama, a private temp dir holding the config
// (system.yaml + models.yaml pointing at the fake) and HOME, and a way to run the real
// tinyllm-host binary in a clean environment against them.
#pragma once

#include "fake_ollama.hpp"
#include "run_host.hpp"
#include "tinyllm/json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::e2e {

namespace fs = std::filesystem;

// Absolute paths into the build and source trees, from CMake.
inline const std::string kHostBin = TINYLLM_HOST_BIN;
inline const fs::path kGoodPluginDir = TINYLLM_GOOD_PLUGIN_DIR;
inline const fs::path kBadPluginDir = TINYLLM_BAD_PLUGIN_DIR;
// Plugins that crash, exit or hang in init (tests/plugins/crashing_plugins.c).
inline const fs::path kCrashPluginDir = TINYLLM_CRASH_PLUGIN_DIR;
// A good backend beside a judge and a made-up kind whose create() aborts.
inline const fs::path kUnknownKindPlugin = TINYLLM_UNKNOWN_KIND_PLUGIN;
inline const fs::path kOllamaPlugin = TINYLLM_OLLAMA_PLUGIN;
inline const fs::path kSourceConfigDir = TINYLLM_SOURCE_CONFIG_DIR;

inline constexpr const char *kModel = "qwen2.5:0.5b";    // default_model of the test config
inline constexpr const char *kBigModel = "qwen2.5:1.5b"; // the second configured model
// What `ask` prints for the fake's default answer: the tokens, then one newline.
inline const std::string kAnswerLine = std::string(testing::kDefaultAnswer) + "\n";

// Exit codes, as documented in host/src/cli/exit_codes.hpp (spelled out here on purpose: the
// test pins the contract, it does not share the product's constants).
enum Exit : int {
    kOk = 0,
    kFailure = 1,
    kUsage = 2,
    kConfig = 3,
    kPlugin = 4,
    kUnavailable = 5,
    kTimeout = 6,
    kNotFound = 7,
    kCancelled = 130,
};

// A loopback TCP port that refuses connections: bound (so no one else gets it while the test
// runs) but never listening, so connect() gets ECONNREFUSED.
class RefusingPort {
public:
    RefusingPort();
    ~RefusingPort();
    RefusingPort(const RefusingPort &) = delete;
    RefusingPort &operator=(const RefusingPort &) = delete;
    std::uint16_t port() const noexcept { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

class E2ETest : public ::testing::Test {
protected:
    E2ETest();
    ~E2ETest() override;

    // Runs the host with `args` as given (no --config added), in the temp dir (so the "./config"
    // step of config discovery finds the test's config, never one from where the tests run).
    RunResult run(std::vector<std::string> args, const Env &extra_env = {},
                  std::optional<std::string> stdin_text = std::nullopt) const;
    // Runs the host with `--config <test config dir>` before `args`.
    RunResult host(std::vector<std::string> args, const Env &extra_env = {},
                   std::optional<std::string> stdin_text = std::nullopt) const;
    // `host` with stdout on a terminal (80x24; see RunOptions::stdout_terminal).
    RunResult host_on_terminal(std::vector<std::string> args, const Env &extra_env = {}) const;
    // Starts the host (with --config) without waiting, for tests that act while it runs.
    std::unique_ptr<HostProcess> start(std::vector<std::string> args,
                                       const Env &extra_env = {}) const;

    // The clean environment a run gets: HOME in the temp dir, NO_COLOR, a minimal PATH; nothing
    // inherited (no OLLAMA_HOST, TINYLLM_*, LD_LIBRARY_PATH) except sanitizer options.
    Env environment(const Env &extra) const;

    // models.yaml with one ollama backend "local" at `url` and the two test models. Each of
    // `extra_backend_config` is one more "key: value" line under the backend's config.
    static std::string models_yaml(const std::string &url,
                                   const std::vector<std::string> &extra_backend_config = {});
    void write_config_file(const std::string &name, const std::string &text) const;

    const fs::path &root() const noexcept { return root_; }
    const fs::path &config_dir() const noexcept { return config_dir_; }

    testing::FakeOllama ollama_;

private:
    fs::path root_;
    fs::path config_dir_;
};

// ---- assertions ---------------------------------------------------------------------------

// stderr holds exactly one line, "tinyllm: error: ...", and nothing that looks like a crash.
::testing::AssertionResult OneErrorLine(const RunResult &r);
// No crash noise anywhere on stderr (for runs that may also log warnings).
::testing::AssertionResult NoCrashNoise(const std::string &err);

std::vector<std::string> split_lines(const std::string &text);
// 1-based number of the first line of `text` containing `needle` (0 when absent).
int line_number_of(const std::string &text, std::string_view needle);
// Parses stdout as JSON; a parse failure fails the test with the text.
json::Document parse_json(const std::string &text);

} // namespace tinyllm::e2e

// Shows the host's exit status and both streams when the exit code is not the expected one.
#define EXPECT_EXIT_CODE(result, code) EXPECT_EQ((result).exit_code, (code)) << (result).describe()
#define ASSERT_EXIT_CODE(result, code) ASSERT_EQ((result).exit_code, (code)) << (result).describe()
