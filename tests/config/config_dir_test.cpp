// Finding the config dir and loading all of it, including the committed defaults.
#include "config/config.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace tinyllm::config {
namespace {

namespace fs = std::filesystem;
using test::config_error;
using test::fake_env;
using test::TempDir;

constexpr const char *minimal_models = "backends: [{name: local, type: ollama}]\n"
                                       "models: [{name: m}]\n";

// A complete config dir at dir/relative.
fs::path make_config(const TempDir &dir, const std::string &relative) {
    dir.write(relative + "/system.yaml", "logging: {level: warn}\n");
    dir.write(relative + "/models.yaml", minimal_models);
    return dir.path() / relative;
}

TEST(ConfigLoad, CommittedDefaultsLoad) {
    LoadOptions options;
    options.config_dir = fs::path(TINYLLM_TEST_CONFIG_DIR);
    options.getenv = fake_env({{"HOME", "/home/u"}});
    const Config config = load(options);
    EXPECT_EQ(config.source, ConfigSource::flag);
    EXPECT_TRUE(config.dir.is_absolute());
    EXPECT_EQ(config.system.data_dir, "/home/u/.local/share/tinyllm");
    EXPECT_EQ(config.system.logging.level, LogLevel::warn);
    EXPECT_EQ(config.system.limits.max_concurrent_runs, 8);
    EXPECT_EQ(config.system.limits.request_timeout_ms, 300000);
    EXPECT_EQ(config.models.default_model, "qwen2.5:0.5b");
    ASSERT_EQ(config.models.backends.size(), 1u);
    EXPECT_EQ(config.models.backends[0].type, "ollama");
    ASSERT_EQ(config.models.models.size(), 3u);
    EXPECT_EQ(config.models.models[0].roles, (std::vector<std::string>{"router", "general"}));
    EXPECT_EQ(config.models.role_ladder("math"),
              (std::vector<std::string>{"qwen2.5:1.5b", "qwen2.5:3b"}));
    EXPECT_EQ(config.models.role_ladder("general"),
              (std::vector<std::string>{"qwen2.5:0.5b", "qwen2.5:1.5b", "qwen2.5:3b"}));
    EXPECT_EQ(config.models.models[1].name, "qwen2.5:1.5b");
    EXPECT_EQ(config.models.models[1].model, "qwen2.5:1.5b");
}

TEST(ConfigLoad, FlagWinsOverEverything) {
    TempDir dir;
    LoadOptions options;
    options.config_dir = make_config(dir, "flag");
    options.cwd = dir.path();
    make_config(dir, "config");
    options.getenv = fake_env({{"TINYLLM_CONFIG", make_config(dir, "env").string()}});
    const ConfigDir found = find_config_dir(options);
    EXPECT_EQ(found.path, dir.path() / "flag");
    EXPECT_EQ(found.source, ConfigSource::flag);
}

TEST(ConfigLoad, RelativeFlagIsRelativeToTheWorkingDir) {
    TempDir dir;
    make_config(dir, "mine");
    LoadOptions options;
    options.config_dir = "mine";
    options.cwd = dir.path();
    options.getenv = fake_env({{"HOME", "/h"}});
    const Config config = load(options);
    EXPECT_EQ(config.dir, dir.path() / "mine");
    EXPECT_EQ(config.system.logging.level, LogLevel::warn);
}

TEST(ConfigLoad, EnvWinsOverWorkingDir) {
    TempDir dir;
    make_config(dir, "config");
    LoadOptions options;
    options.cwd = dir.path();
    options.getenv = fake_env({{"TINYLLM_CONFIG", make_config(dir, "env").string()}});
    EXPECT_EQ(find_config_dir(options).source, ConfigSource::env);
}

TEST(ConfigLoad, WorkingDirConfigNeedsSystemYaml) {
    TempDir dir;
    LoadOptions options;
    options.cwd = dir.path();
    options.installed_dir = make_config(dir, "share/tinyllm/config");
    options.getenv = fake_env({});
    dir.write("config/models.yaml", minimal_models); // no system.yaml: not a config dir
    EXPECT_EQ(find_config_dir(options).source, ConfigSource::installed);
    make_config(dir, "config");
    const ConfigDir found = find_config_dir(options);
    EXPECT_EQ(found.source, ConfigSource::cwd);
    EXPECT_EQ(found.path, dir.path() / "config");
}

TEST(ConfigLoad, UserConfigDir) {
    TempDir dir;
    LoadOptions options;
    options.cwd = dir.path() / "elsewhere";
    options.installed_dir = make_config(dir, "installed");
    make_config(dir, "home/.config/tinyllm");
    options.getenv = fake_env({{"HOME", (dir.path() / "home").string()}});
    EXPECT_EQ(find_config_dir(options).path, dir.path() / "home/.config/tinyllm");

    make_config(dir, "xdg/tinyllm");
    options.getenv = fake_env({{"HOME", (dir.path() / "home").string()},
                               {"XDG_CONFIG_HOME", (dir.path() / "xdg").string()}});
    const ConfigDir found = find_config_dir(options);
    EXPECT_EQ(found.path, dir.path() / "xdg/tinyllm");
    EXPECT_EQ(found.source, ConfigSource::user);
}

TEST(ConfigLoad, NamedDirThatDoesNotExist) {
    TempDir dir;
    LoadOptions options;
    options.config_dir = dir.path() / "nope";
    options.getenv = fake_env({});
    EXPECT_EQ(config_error([&] { find_config_dir(options); }),
              "config dir " + (dir.path() / "nope").string() + " (from --config) does not exist");
    options.config_dir.reset();
    options.getenv = fake_env({{"TINYLLM_CONFIG", (dir.path() / "gone").string()}});
    EXPECT_EQ(config_error([&] { find_config_dir(options); }),
              "config dir " + (dir.path() / "gone").string() +
                  " (from TINYLLM_CONFIG) does not exist");
}

TEST(ConfigLoad, NoConfigDirAnywhere) {
    TempDir dir;
    LoadOptions options;
    options.cwd = dir.path();
    options.getenv = fake_env({{"HOME", (dir.path() / "home").string()}});
    const std::string message = config_error([&] { find_config_dir(options); });
    EXPECT_NE(message.find("no config dir found"), std::string::npos) << message;
    EXPECT_NE(message.find("--config"), std::string::npos) << message;
}

TEST(ConfigLoad, MissingFileInTheChosenDir) {
    TempDir dir;
    dir.write("c/system.yaml", "");
    LoadOptions options;
    options.config_dir = dir.path() / "c";
    options.getenv = fake_env({{"HOME", "/h"}});
    EXPECT_EQ(config_error([&] { load(options); }), (dir.path() / "c" / "models.yaml").string() +
                                                        ": cannot open: No such file or directory");
}

TEST(ConfigLoad, ErrorsNameTheFileAsFound) {
    TempDir dir;
    dir.write("config/system.yaml", "limits:\n  request_timeout_ms: -1\n");
    dir.write("config/models.yaml", minimal_models);
    LoadOptions options;
    options.config_dir = "config";
    options.cwd = dir.path();
    options.getenv = fake_env({});
    EXPECT_EQ(config_error([&] { load(options); }),
              (dir.path() / "config/system.yaml").string() +
                  ":2:23: limits.request_timeout_ms: must be >= 0, got integer -1");
}

TEST(ConfigLoad, LogLevelOverrideAndBadValue) {
    TempDir dir;
    LoadOptions options;
    options.config_dir = make_config(dir, "c");
    options.getenv = fake_env({{"HOME", "/h"}, {"TINYLLM_LOG_LEVEL", "trace"}});
    const Config config = load(options);
    EXPECT_EQ(config.system.logging.level, LogLevel::trace);
    ASSERT_EQ(config.system.env_overrides.size(), 1u);
    EXPECT_EQ(config.system.env_overrides[0].variable, "TINYLLM_LOG_LEVEL");

    options.getenv = fake_env({{"HOME", "/h"}, {"TINYLLM_LOG_LEVEL", "chatty"}});
    const std::string message = config_error([&] { load(options); });
    EXPECT_NE(message.find("TINYLLM_LOG_LEVEL"), std::string::npos) << message;
    EXPECT_NE(message.find("must be one of: trace, debug, info, warn, error, off"),
              std::string::npos)
        << message;
}

TEST(ConfigLoad, GraphFilesAreListedNotParsed) {
    TempDir dir;
    LoadOptions options;
    options.config_dir = make_config(dir, "c");
    options.getenv = fake_env({{"HOME", "/h"}});
    dir.write("c/graphs/b.yaml", "not: [valid");
    dir.write("c/graphs/a.yml", "");
    dir.write("c/graphs/README.md", "");
    const Config config = load(options);
    ASSERT_EQ(config.graph_files.size(), 2u);
    EXPECT_EQ(config.graph_files[0].filename(), "a.yml");
    EXPECT_EQ(config.graph_files[1].filename(), "b.yaml");
}

TEST(ConfigLoad, ToolsComeFromTheirOwnFile) {
    TempDir dir;
    LoadOptions options;
    options.config_dir = make_config(dir, "c");
    options.getenv = fake_env({{"HOME", "/h"}});
    const Config without = load(options);
    EXPECT_TRUE(without.tools.tools.empty());
    EXPECT_TRUE(without.tools.source.empty());
    dir.write("c/tools.yaml", "tools:\n  - {name: calc, type: calculator}\n");
    const Config with = load(options);
    ASSERT_EQ(with.tools.tools.size(), 1u);
    EXPECT_EQ(with.tools.tools[0].name, "calc");
    EXPECT_EQ(with.tools.source.filename(), "tools.yaml");
}

} // namespace
} // namespace tinyllm::config
