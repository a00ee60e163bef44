// The registry and discovery: which files are candidates, in what order, and what a registry
// built from good and bad plugins keeps, refuses and finds.
#include "plugin/discovery.hpp"
#include "plugin/loader.hpp"
#include "plugin/registry.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace tinyllm::plugin {
namespace {

namespace fs = std::filesystem;
using host_test::bad_dir;
using host_test::bad_plugin;
using host_test::echo_plugin;
using host_test::good_dir;
using host_test::TempDir;
using ::testing::HasSubstr;

// A registry that records failures without logging them (the tests read them instead).
struct QuietRegistry : Registry {
    QuietRegistry() { set_log_failures(false); }
};

std::vector<SearchPath> dirs(std::initializer_list<fs::path> paths) {
    std::vector<SearchPath> out;
    for (const auto &p : paths)
        out.push_back({p, "--plugins", true});
    return out;
}

TEST(Registry, GoodPluginsLoadNextToBadOnes) {
    // The good dir may gain plugins for other tests; what matters is that all of them load,
    // and that every bad file is refused without taking the good ones down.
    QuietRegistry r;
    r.load(dirs({good_dir(), bad_dir()}));
    EXPECT_TRUE(r.path_problems().empty());

    std::vector<std::string> ids;
    for (const auto &p : r.plugins())
        ids.emplace_back(p->descriptor->id);
    EXPECT_EQ(ids.front(), "org.tinyllm.test.echo") << "the good dir is loaded first";
    EXPECT_EQ(std::count(ids.begin(), ids.end(), "org.tinyllm.test.bad-component"), 1);
    for (const auto &f : r.failures()) {
        EXPECT_EQ(f.path.parent_path(), fs::canonical(bad_dir())) << describe(f);
    }

    const std::vector<std::pair<fs::path, FailureKind>> expected = {
        {bad_dir() / "not-elf.so", FailureKind::not_a_plugin},
        {bad_plugin("abi-major"), FailureKind::abi_mismatch},
        {bad_plugin("abi-minor"), FailureKind::abi_mismatch},
        {bad_plugin("bad-component"), FailureKind::invalid_descriptor},
        {bad_plugin("init-fails"), FailureKind::init_failed},
        {bad_plugin("missing-library"), FailureKind::missing_dependency},
        {bad_plugin("missing-symbol"), FailureKind::missing_dependency},
        {bad_plugin("no-entry"), FailureKind::not_a_plugin},
    };
    ASSERT_EQ(r.failures().size(), expected.size());
    // Candidates are loaded in sorted order, so the failures come in that order too.
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(r.failures()[i].path, fs::canonical(expected[i].first)) << i;
        EXPECT_EQ(r.failures()[i].kind, expected[i].second) << describe(r.failures()[i]);
    }

    EXPECT_NE(r.find(TLLM_KIND_BACKEND, "echo").component, nullptr);
    EXPECT_NE(r.find(TLLM_KIND_BACKEND, "half-good").component, nullptr);
    EXPECT_EQ(r.find(TLLM_KIND_BACKEND, "Bad Name").component, nullptr);
}

TEST(Registry, SamePluginIdTwiceIsADuplicateAndTheFirstStays) {
    // A copy is a different file (candidate_files cannot merge it) with the same plugin id.
    TempDir tmp;
    fs::copy_file(echo_plugin(), tmp.path() / "copy-of-echo.so");
    QuietRegistry r;
    r.load(dirs({echo_plugin(), tmp.path()}));

    ASSERT_EQ(r.plugins().size(), 1u);
    EXPECT_EQ(r.plugins()[0]->path, fs::canonical(echo_plugin()));
    ASSERT_EQ(r.failures().size(), 1u);
    const LoadFailure &f = r.failures()[0];
    EXPECT_EQ(f.kind, FailureKind::duplicate);
    EXPECT_EQ(f.path, fs::canonical(tmp.path() / "copy-of-echo.so"));
    EXPECT_EQ(f.message, "plugin id org.tinyllm.test.echo is already loaded from " +
                             fs::canonical(echo_plugin()).string());
}

TEST(Registry, DuplicateThroughASymlinkKeepsTheFirstMappingUsable) {
    // dlopen returns the same mapping for both paths; dropping the duplicate must not unmap
    // the copy that stays registered.
    TempDir tmp;
    fs::create_symlink(echo_plugin(), tmp.path() / "link.so");
    QuietRegistry r;
    r.load_file(echo_plugin());
    r.load_file(tmp.path() / "link.so");
    ASSERT_EQ(r.plugins().size(), 1u);
    ASSERT_EQ(r.failures().size(), 1u);
    EXPECT_EQ(r.failures()[0].kind, FailureKind::duplicate);
    EXPECT_EQ(r.failures()[0].path, tmp.path() / "link.so");
    const ComponentRef echo = r.find(TLLM_KIND_BACKEND, "echo");
    ASSERT_NE(echo.component, nullptr);
    EXPECT_STREQ(echo.component->description,
                 "answers with the last user message (a C test plugin)");
}

TEST(Registry, FindsComponentsByKindAndName) {
    QuietRegistry r;
    r.load(dirs({echo_plugin(), bad_plugin("bad-component")}));
    const ComponentRef echo = r.find(TLLM_KIND_BACKEND, "echo");
    ASSERT_NE(echo.component, nullptr);
    EXPECT_STREQ(echo.plugin->descriptor->id, "org.tinyllm.test.echo");
    EXPECT_EQ(r.find(TLLM_KIND_TOOL, "echo").component, nullptr);   // wrong kind
    EXPECT_EQ(r.find(TLLM_KIND_BACKEND, "ech").component, nullptr); // no prefix match
    EXPECT_EQ(r.find(TLLM_KIND_BACKEND, "nope").plugin, nullptr);

    const std::vector<ComponentRef> backends = r.of_kind(TLLM_KIND_BACKEND);
    ASSERT_EQ(backends.size(), 2u); // in load order
    EXPECT_STREQ(backends[0].component->name, "echo");
    EXPECT_STREQ(backends[1].component->name, "half-good");
    const std::vector<ComponentRef> nodes = r.of_kind(TLLM_KIND_NODE);
    ASSERT_EQ(nodes.size(), 1u);
    EXPECT_STREQ(nodes[0].component->name, "c_ask");
    EXPECT_TRUE(r.of_kind(TLLM_KIND_TOOL).empty());
}

TEST(Registry, FindsPluginsByIdFileNameStemAndPath) {
    QuietRegistry r;
    r.load(dirs({echo_plugin()}));
    ASSERT_EQ(r.plugins().size(), 1u);
    const LoadedPlugin *echo = r.plugins()[0].get();
    EXPECT_EQ(r.find_plugin("org.tinyllm.test.echo"), echo);
    EXPECT_EQ(r.find_plugin("tinyllm-echo.so"), echo);
    EXPECT_EQ(r.find_plugin("tinyllm-echo"), echo);
    EXPECT_EQ(r.find_plugin(fs::canonical(echo_plugin()).string()), echo);
    EXPECT_EQ(r.find_plugin("echo"), nullptr); // the component name is not a plugin key
    EXPECT_EQ(r.find_plugin("org.tinyllm.test"), nullptr);
    EXPECT_EQ(r.find_plugin(""), nullptr);
}

TEST(Registry, LoadFileRecordsAFailureInsteadOfThrowing) {
    QuietRegistry r;
    EXPECT_NO_THROW(r.load_file(bad_plugin("init-fails")));
    EXPECT_TRUE(r.plugins().empty());
    ASSERT_EQ(r.failures().size(), 1u);
    EXPECT_EQ(r.failures()[0].kind, FailureKind::init_failed);
}

TEST(CandidateFiles, DirectoryScanIsSortedAndKeepsOnlySharedObjects) {
    TempDir tmp;
    for (const char *name : {"b.so", "a.so", "c.so", "notes.txt", "libx.so.1", "so"}) {
        tmp.write(name, "x");
    }
    fs::create_directories(tmp.path() / "dir.so"); // a directory, whatever its name
    tmp.write("sub/nested.so", "x");               // not recursive
    std::vector<std::string> problems;
    const auto files = candidate_files(dirs({tmp.path()}), problems);
    EXPECT_TRUE(problems.empty());
    const fs::path base = fs::canonical(tmp.path());
    EXPECT_EQ(files, (std::vector<fs::path>{base / "a.so", base / "b.so", base / "c.so"}));
}

TEST(CandidateFiles, MissingPathIsReportedWithItsOrigin) {
    TempDir tmp;
    std::vector<std::string> problems;
    const auto files = candidate_files({{tmp.path() / "gone", "TINYLLM_PLUGIN_PATH", true},
                                        {tmp.path() / "absent", "default", false}},
                                       problems);
    EXPECT_TRUE(files.empty());
    // Only the path that must exist is a problem: the default dir may be absent.
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], (tmp.path() / "gone").string() +
                               " (from TINYLLM_PLUGIN_PATH): no such file or directory");
}

TEST(CandidateFiles, ExplicitFileIsTakenWhateverItsName) {
    TempDir tmp;
    const fs::path file = tmp.write("plugin.bin", "x");
    std::vector<std::string> problems;
    const auto files = candidate_files(dirs({file}), problems);
    EXPECT_TRUE(problems.empty());
    EXPECT_EQ(files, (std::vector<fs::path>{fs::canonical(file)}));
}

TEST(CandidateFiles, FileReachedTwiceIsListedOnce) {
    TempDir tmp;
    tmp.write("a.so", "x");
    tmp.write("b.so", "x");
    fs::create_directory_symlink(tmp.path(), tmp.path().string() + "-link");
    const fs::path link = tmp.path().string() + "-link";
    std::vector<std::string> problems;
    // The dir, one of its files by name, the dir again through a symlink, and a spelling
    // with ".": four routes to two files.
    const auto files = candidate_files(
        dirs({tmp.path(), tmp.path() / "b.so", link, tmp.path() / "." / "a.so"}), problems);
    fs::remove(link);
    EXPECT_TRUE(problems.empty());
    const fs::path base = fs::canonical(tmp.path());
    EXPECT_EQ(files, (std::vector<fs::path>{base / "a.so", base / "b.so"}));
}

TEST(CandidateFiles, DanglingSymlinkDoesNotHideTheRestOfTheDirectory) {
    // A stale link (a removed plugin, or any leftover file) must not make every plugin next
    // to it disappear.
    TempDir tmp;
    tmp.write("a.so", "x");
    tmp.write("z.so", "x");
    fs::create_symlink(tmp.path() / "removed-long-ago", tmp.path() / "m-stale-link");
    std::vector<std::string> problems;
    const auto files = candidate_files(dirs({tmp.path()}), problems);
    const fs::path base = fs::canonical(tmp.path());
    EXPECT_EQ(files, (std::vector<fs::path>{base / "a.so", base / "z.so"}));
    for (const auto &p : problems)
        ADD_FAILURE() << "unexpected problem: " << p;
}

TEST(SearchPaths, OrderIsCliThenEnvThenConfigThenDefault) {
    DiscoveryOptions options;
    options.cli_paths = {"/cli/one", "/cli/two.so"};
    options.env_path = "/env/a::/env/b:"; // empty items (as in "a::b" or a trailing ':') skipped
    options.config_paths = {"/etc/tinyllm/plugins"};
    const std::vector<SearchPath> paths = search_paths(options);

    ASSERT_EQ(paths.size(), 6u);
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"/cli/one", "--plugins"},
        {"/cli/two.so", "--plugins"},
        {"/env/a", "TINYLLM_PLUGIN_PATH"},
        {"/env/b", "TINYLLM_PLUGIN_PATH"},
        {"/etc/tinyllm/plugins", "system.yaml plugins"}};
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(paths[i].path, expected[i].first) << i;
        EXPECT_EQ(paths[i].origin, expected[i].second) << i;
        EXPECT_TRUE(paths[i].must_exist) << i;
    }
    EXPECT_EQ(paths[5].origin, "default");
    EXPECT_EQ(paths[5].path, default_plugin_dir());
    EXPECT_FALSE(paths[5].must_exist);
}

TEST(SearchPaths, DefaultCanBeLeftOut) {
    DiscoveryOptions options;
    options.use_default = false;
    EXPECT_TRUE(search_paths(options).empty());
    options.env_path = ":";
    EXPECT_TRUE(search_paths(options).empty());
}

TEST(SearchPaths, DefaultDirIsBesideTheExecutable) {
    // <prefix>/bin/x -> <prefix>/lib/tinyllm/plugins, computed from /proc/self/exe.
    const fs::path exe = fs::read_symlink("/proc/self/exe");
    EXPECT_EQ(default_plugin_dir(),
              (exe.parent_path().parent_path() / "lib" / "tinyllm" / "plugins"));
}

} // namespace
} // namespace tinyllm::plugin
