// The loader against one broken .so per way a plugin can break the contract (tests/plugins):
// each must come back as the right FailureKind with a message that tells the user what to fix.
#include "plugin/loader.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

namespace tinyllm::plugin {
namespace {

using host_test::bad_dir;
using host_test::bad_plugin;
using host_test::echo_plugin;
using host_test::ollama_plugin;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr uint32_t kMajor = TLLM_ABI_VERSION_MAJOR;
constexpr uint32_t kMinor = TLLM_ABI_VERSION_MINOR;

std::string version(uint32_t major, uint32_t minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

// Loads a file that must be refused, and returns why (with no component failures, which only
// a plugin that did load can have).
LoadFailure refusal(const std::filesystem::path &path) {
    std::vector<LoadFailure> component_failures;
    LoadResult result = load_plugin(path, component_failures);
    EXPECT_TRUE(component_failures.empty());
    if (auto *failure = std::get_if<LoadFailure>(&result)) return *failure;
    ADD_FAILURE() << path << " loaded but should have been refused";
    return {};
}

TEST(Loader, NoEntrySymbolIsNotAPlugin) {
    const LoadFailure f = refusal(bad_plugin("no-entry"));
    EXPECT_EQ(f.kind, FailureKind::not_a_plugin);
    EXPECT_EQ(f.message, "not a TinyLLM plugin (no tinyllm_plugin_entry symbol)");
    EXPECT_EQ(f.path, bad_plugin("no-entry"));
}

TEST(Loader, TextFileIsNotAPlugin) {
    const LoadFailure f = refusal(bad_dir() / "not-elf.so");
    EXPECT_EQ(f.kind, FailureKind::not_a_plugin);
    EXPECT_THAT(f.message, StartsWith("not a shared library ("));
    EXPECT_EQ(describe(f), "not a plugin: " + f.message);
}

TEST(Loader, NewerMajorIsAnAbiMismatchNamingBothVersions) {
    const LoadFailure f = refusal(bad_plugin("abi-major"));
    EXPECT_EQ(f.kind, FailureKind::abi_mismatch);
    const std::string both =
        "(plugin " + version(kMajor + 1, 0) + ", host " + version(kMajor, kMinor) + ")";
    EXPECT_EQ(both, "(plugin 3.0, host 2.3)"); // keeps the literal the docs quote honest
    EXPECT_EQ(f.message, both + ": rebuild the plugin against this host's SDK");
    // The version pair reads as part of the phrase: no colon after "ABI mismatch".
    EXPECT_EQ(describe(f), "ABI mismatch " + f.message);
}

TEST(Loader, NewerMinorIsAnAbiMismatchNamingBothVersions) {
    const LoadFailure f = refusal(bad_plugin("abi-minor"));
    EXPECT_EQ(f.kind, FailureKind::abi_mismatch);
    const std::string both =
        "(plugin " + version(kMajor, kMinor + 1) + ", host " + version(kMajor, kMinor) + ")";
    EXPECT_THAT(f.message, HasSubstr(both));
    EXPECT_THAT(f.message, HasSubstr("the plugin needs a newer host"));
    EXPECT_EQ(describe(f), "ABI mismatch " + both + ": the plugin needs a newer host");
}

TEST(Loader, MissingLibraryIsAMissingDependencyWithTheLoadersText) {
    const LoadFailure f = refusal(bad_plugin("missing-library"));
    EXPECT_EQ(f.kind, FailureKind::missing_dependency);
    // The dynamic loader's own words, naming the absent library.
    EXPECT_THAT(f.message, HasSubstr("libtinyllm_test_dependency.so"));
    EXPECT_THAT(f.message, HasSubstr("cannot open shared object file"));
    EXPECT_EQ(describe(f), "missing dependency: " + f.message);
}

TEST(Loader, UndefinedSymbolIsAMissingDependency) {
    const LoadFailure f = refusal(bad_plugin("missing-symbol"));
    EXPECT_EQ(f.kind, FailureKind::missing_dependency);
    EXPECT_THAT(f.message, HasSubstr("undefined symbol: tinyllm_test_symbol_nobody_provides"));
    // dlerror() starts with the path, which every report names already: it is stripped.
    EXPECT_THAT(f.message, Not(HasSubstr(bad_plugin("missing-symbol").string())));
}

// The message BAD_INIT gives when init was handed its absolute path (see also the test below).
TEST(Loader, InitFailureCarriesThePluginsMessage) {
    const LoadFailure f = refusal(bad_plugin("init-fails"));
    EXPECT_EQ(f.kind, FailureKind::init_failed);
    EXPECT_EQ(f.message,
              "plugin org.tinyllm.test.init-fails: license key not found in $TEST_LICENSE");
    EXPECT_EQ(describe(f), "init failed: " + f.message);
}

// init gets the plugin's absolute path even when the loader is given a relative one: BAD_INIT
// fails with "init was given no absolute plugin path (got ...)" otherwise.
TEST(Loader, InitIsGivenThePluginsAbsolutePathEvenFromARelativeOne) {
    const std::filesystem::path relative = std::filesystem::relative(bad_plugin("init-fails"));
    ASSERT_FALSE(relative.empty());
    ASSERT_TRUE(relative.is_relative()) << relative;
    const LoadFailure f = refusal(relative);
    EXPECT_EQ(f.kind, FailureKind::init_failed) << f.message;
    EXPECT_EQ(f.message,
              "plugin org.tinyllm.test.init-fails: license key not found in $TEST_LICENSE");
}

TEST(Loader, BadComponentIsSkippedAndTheGoodOneLoads) {
    std::vector<LoadFailure> component_failures;
    LoadResult result = load_plugin(bad_plugin("bad-component"), component_failures);
    auto *plugin = std::get_if<std::unique_ptr<LoadedPlugin>>(&result);
    ASSERT_NE(plugin, nullptr) << describe(std::get<LoadFailure>(result));
    ASSERT_EQ((*plugin)->components.size(), 1u);
    EXPECT_STREQ((*plugin)->components[0]->name, "half-good");
    EXPECT_STREQ((*plugin)->descriptor->id, "org.tinyllm.test.bad-component");

    ASSERT_EQ(component_failures.size(), 1u);
    const LoadFailure &f = component_failures[0];
    EXPECT_EQ(f.kind, FailureKind::invalid_descriptor);
    EXPECT_EQ(f.path, bad_plugin("bad-component"));
    // Index and name locate the component; the reason is the first rule it breaks.
    EXPECT_THAT(f.message, HasSubstr("plugin org.tinyllm.test.bad-component: component 1 "
                                     "(Bad Name): name must match [a-z0-9_.-]+"));
}

TEST(Loader, CPluginLoadsWithItsComponent) {
    std::vector<LoadFailure> component_failures;
    LoadResult result = load_plugin(echo_plugin(), component_failures);
    auto *plugin = std::get_if<std::unique_ptr<LoadedPlugin>>(&result);
    ASSERT_NE(plugin, nullptr) << describe(std::get<LoadFailure>(result));
    EXPECT_TRUE(component_failures.empty());
    EXPECT_EQ((*plugin)->path, echo_plugin());
    EXPECT_STREQ((*plugin)->descriptor->id, "org.tinyllm.test.echo");
    ASSERT_EQ((*plugin)->components.size(), 2u);
    EXPECT_STREQ((*plugin)->components[0]->kind, TLLM_KIND_BACKEND);
    EXPECT_STREQ((*plugin)->components[0]->name, "echo");
    EXPECT_STREQ((*plugin)->components[1]->kind, TLLM_KIND_NODE);
    EXPECT_STREQ((*plugin)->components[1]->name, "c_ask");
}

TEST(Loader, RealOllamaPluginLoads) {
    std::vector<LoadFailure> component_failures;
    LoadResult result = load_plugin(ollama_plugin(), component_failures);
    auto *plugin = std::get_if<std::unique_ptr<LoadedPlugin>>(&result);
    ASSERT_NE(plugin, nullptr) << describe(std::get<LoadFailure>(result));
    EXPECT_TRUE(component_failures.empty());
    EXPECT_STREQ((*plugin)->descriptor->id, "org.tinyllm.ollama");
    ASSERT_EQ((*plugin)->components.size(), 1u);
    EXPECT_STREQ((*plugin)->components[0]->name, "ollama");
}

TEST(AbiIncompatibility, SameVersionIsCompatible) {
    EXPECT_EQ(abi_incompatibility({kMajor, kMinor}), "");
}

TEST(AbiIncompatibility, OlderOrEqualMinorIsCompatible) {
    // A host supports every minor up to its own (with ABI 1.2 that is 1.0, 1.1 and 1.2).
    for (uint32_t minor = 0; minor <= kMinor; ++minor) {
        EXPECT_EQ(abi_incompatibility({kMajor, minor}), "") << "minor " << minor;
    }
}

TEST(AbiIncompatibility, NewerMinorIsRefused) {
    EXPECT_EQ(abi_incompatibility({kMajor, kMinor + 1}), "(plugin " + version(kMajor, kMinor + 1) +
                                                             ", host " + version(kMajor, kMinor) +
                                                             "): the plugin needs a newer host");
    EXPECT_NE(abi_incompatibility({kMajor, kMinor + 7}), "");
}

TEST(AbiIncompatibility, OtherMajorIsRefusedWhateverTheMinor) {
    for (const tllm_abi_version v :
         {tllm_abi_version{kMajor + 1, 0}, tllm_abi_version{kMajor + 1, kMinor},
          tllm_abi_version{kMajor - 1, 0}, tllm_abi_version{kMajor - 1, kMinor + 5}}) {
        const std::string why = abi_incompatibility(v);
        EXPECT_EQ(why, "(plugin " + version(v.major, v.minor) + ", host " +
                           version(kMajor, kMinor) +
                           "): rebuild the plugin against this host's SDK");
    }
}

TEST(FailureKindNames, EachKindHasItsOwnWording) {
    EXPECT_EQ(to_string(FailureKind::not_a_plugin), "not a plugin");
    EXPECT_EQ(to_string(FailureKind::abi_mismatch), "ABI mismatch");
    EXPECT_EQ(to_string(FailureKind::missing_dependency), "missing dependency");
    EXPECT_EQ(to_string(FailureKind::invalid_descriptor), "invalid descriptor");
    EXPECT_EQ(to_string(FailureKind::init_failed), "init failed");
    EXPECT_EQ(to_string(FailureKind::duplicate), "duplicate");
}

} // namespace
} // namespace tinyllm::plugin
