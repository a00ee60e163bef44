// system.yaml: defaults, paths, limits, TINYLLM_LOG_LEVEL and the errors users will make.
#include "config/system_config.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace tinyllm::config {
namespace {

using test::config_error;
using test::fake_env;
using test::TempDir;

SystemConfig load(const TempDir &dir, const std::string &yaml,
                  const std::map<std::string, std::string> &env = {{"HOME", "/home/u"}}) {
    const auto path = dir.write("system.yaml", yaml);
    return load_system_config(path, dir.path(), fake_env(env));
}

TEST(SystemConfig, EmptyFileMeansAllDefaults) {
    TempDir dir;
    const SystemConfig config = load(dir, "# nothing set\n");
    EXPECT_EQ(config.data_dir, "/home/u/.local/share/tinyllm");
    EXPECT_TRUE(config.plugins.empty());
    EXPECT_EQ(config.logging.level, LogLevel::warn);
    EXPECT_TRUE(config.logging.file.empty());
    EXPECT_EQ(config.limits.max_concurrent_runs, 8);
    EXPECT_EQ(config.limits.request_timeout_ms, 300000);
    EXPECT_TRUE(config.env_overrides.empty());
}

TEST(SystemConfig, ValuesAndRelativePaths) {
    TempDir dir;
    const SystemConfig config = load(dir, R"(data_dir: data
plugins: [plugins, /opt/p/libx.so, ~/p]
logging:
  level: off
  file: logs/tinyllm.log
limits:
  max_concurrent_runs: 2
  request_timeout_ms: 0
)");
    EXPECT_EQ(config.data_dir, dir.path() / "data");
    ASSERT_EQ(config.plugins.size(), 3u);
    EXPECT_EQ(config.plugins[0], dir.path() / "plugins");
    EXPECT_EQ(config.plugins[1], "/opt/p/libx.so");
    EXPECT_EQ(config.plugins[2], "/home/u/p");
    EXPECT_EQ(config.logging.level, LogLevel::off); // "off" is a string, not YAML 1.1 false
    EXPECT_EQ(config.logging.file, dir.path() / "logs" / "tinyllm.log");
    EXPECT_EQ(config.limits.max_concurrent_runs, 2);
    EXPECT_EQ(config.limits.request_timeout_ms, 0);
}

TEST(SystemConfig, LogLevelFromTheEnvironment) {
    TempDir dir;
    const SystemConfig config =
        load(dir, "logging:\n  level: info\n", {{"HOME", "/h"}, {"TINYLLM_LOG_LEVEL", "debug"}});
    EXPECT_EQ(config.logging.level, LogLevel::debug);
    ASSERT_EQ(config.env_overrides.size(), 1u);
    EXPECT_EQ(config.env_overrides[0].variable, "TINYLLM_LOG_LEVEL");
    EXPECT_EQ(config.env_overrides[0].pointer, "/logging/level");
    EXPECT_EQ(config.env_overrides[0].value, "debug");
}

TEST(SystemConfig, BadLogLevelFromTheEnvironmentNamesTheVariable) {
    TempDir dir;
    EXPECT_EQ(config_error([&] {
                  load(dir, "logging:\n  level: info\n", {{"TINYLLM_LOG_LEVEL", "verbose"}});
              }),
              "environment variable TINYLLM_LOG_LEVEL (sets logging.level): must be one of: "
              "trace, debug, info, warn, error, off (got \"verbose\")");
}

TEST(SystemConfig, BadLogLevelInTheFile) {
    TempDir dir;
    EXPECT_EQ(config_error([&] { load(dir, "logging:\n  level: loud\n"); }),
              (dir.path() / "system.yaml").string() +
                  ":2:10: logging.level: must be one of: trace, debug, info, warn, error, off "
                  "(got \"loud\")");
}

TEST(SystemConfig, UnknownKeySuggestion) {
    TempDir dir;
    EXPECT_EQ(config_error([&] { load(dir, "limits:\n  max_concurent_runs: 4\n"); }),
              (dir.path() / "system.yaml").string() +
                  ":2:3: limits: unknown key \"max_concurent_runs\" (did you mean "
                  "\"max_concurrent_runs\"?)");
}

TEST(SystemConfig, LimitOutOfRange) {
    TempDir dir;
    EXPECT_EQ(config_error([&] { load(dir, "limits:\n  max_concurrent_runs: 5000\n"); }),
              (dir.path() / "system.yaml").string() +
                  ":2:24: limits.max_concurrent_runs: must be <= 1024, got integer 5000");
}

TEST(SystemConfig, WrongType) {
    TempDir dir;
    EXPECT_EQ(config_error([&] { load(dir, "plugins: lib.so\n"); }),
              (dir.path() / "system.yaml").string() +
                  ":1:10: plugins: expected array, got string \"lib.so\"");
}

TEST(SystemConfig, TildeWithoutHomeIsAnError) {
    TempDir dir;
    EXPECT_EQ(config_error([&] { load(dir, "data_dir: ~/d\n", {}); }),
              (dir.path() / "system.yaml").string() +
                  ":1:11: data_dir: cannot expand \"~\": HOME is not set");
}

TEST(SystemConfig, DefaultNeedingHomeSaysItIsTheDefault) {
    TempDir dir;
    EXPECT_EQ(config_error([&] { load(dir, "plugins: []\n", {}); }),
              (dir.path() / "system.yaml").string() +
                  ": data_dir: the default \"~/.local/share/tinyllm\" needs HOME, which is not "
                  "set (set HOME or the key)");
}

TEST(SystemConfig, SchemaDocumentsEveryKey) {
    const json::Document schema = json::parse(system_schema_text(), "schema");
    for (const char *group : {"logging", "limits"}) {
        for (const auto &key : schema["properties"][group]["properties"].GetObject()) {
            EXPECT_TRUE(key.value.HasMember("description")) << key.name.GetString();
            EXPECT_TRUE(key.value.HasMember("default")) << key.name.GetString();
        }
    }
    for (const auto &key : schema["properties"].GetObject()) {
        EXPECT_TRUE(key.value.HasMember("description")) << key.name.GetString();
        EXPECT_TRUE(key.value.HasMember("default")) << key.name.GetString();
    }
}

TEST(SystemConfig, APluginRunsIsolatedByItsIdFileNameOrPath) {
    IsolationConfig isolation;
    isolation.plugins = {
        {"org.x.a", true}, {"b.so", true}, {"/p/c.so", true}, {"d", true}, {"", true}};
    EXPECT_TRUE(isolation.isolated("/lib/a.so", "org.x.a"));
    EXPECT_TRUE(isolation.isolated("/lib/b.so", "org.x.b"));
    EXPECT_TRUE(isolation.isolated("/p/c.so", "org.x.c"));
    EXPECT_TRUE(isolation.isolated("/lib/d.so", ""));
    // An id not known yet is not the key "" (which no plugin can have).
    EXPECT_FALSE(isolation.isolated("/lib/e.so", ""));
    isolation.process_by_default = true;
    EXPECT_TRUE(isolation.isolated("/lib/e.so", ""));
}

TEST(SystemConfig, LogLevelNames) {
    EXPECT_EQ(to_string(LogLevel::warn), "warn");
    EXPECT_EQ(parse_log_level("error"), LogLevel::error);
    EXPECT_EQ(parse_log_level("loud"), std::nullopt);
}

} // namespace
} // namespace tinyllm::config
