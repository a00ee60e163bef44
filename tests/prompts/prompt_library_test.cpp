// The library: ids from paths, the config dir before the installed prompts, lookups that say
// where they looked — and the committed prompts, which must load and render.
#include "prompts/prompt_library.hpp"
#include "prompts/prompt_render.hpp"

#include "test_support_common.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::prompts {
namespace {

using test_support::TempDir;
using ::testing::HasSubstr;

std::string prompt_file(const std::string &id, const std::string &description) {
    return "id: " + id + "\nversion: 1.0.0\ndescription: " + description +
           "\ntemplate: \"{{input}}\"\nvariables: {input: {}}\n";
}

TEST(PromptLibrary, TheFirstDirWinsAndIdsComeFromPaths) {
    TempDir config, installed;
    config.write("specialists/math.yaml", prompt_file("specialists/math", "mine"));
    installed.write("specialists/math.yaml", prompt_file("specialists/math", "installed"));
    installed.write("routing/task_classifier.yml",
                    prompt_file("routing/task_classifier", "classifier"));
    installed.write("README.md", "not a prompt");
    const Library lib =
        Library::load({config.path(), installed.path() / "missing", installed.path()});
    ASSERT_EQ(lib.prompts().size(), 2u);
    EXPECT_EQ(lib.prompts()[0].id, "routing/task_classifier"); // sorted by id
    EXPECT_EQ(lib.get("specialists/math").description, "mine");
    EXPECT_EQ(lib.find("specialists/none"), nullptr);
}

TEST(PromptLibrary, AnUnknownIdSaysWhereItLookedAndSuggests) {
    TempDir dir;
    dir.write("specialists/math.yaml", prompt_file("specialists/math", "x"));
    const Library lib = Library::load({dir.path()});
    try {
        lib.get("specialists/mth");
        FAIL() << "expected not_found";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), ErrorCode::not_found);
        EXPECT_THAT(e.what(), HasSubstr("no prompt \"specialists/mth\" (looked in " +
                                        dir.path().string() + ")"));
        EXPECT_THAT(e.what(), HasSubstr("did you mean \"specialists/math\""));
    }
}

TEST(PromptLibrary, ABrokenFileFailsTheLoadNamingIt) {
    TempDir dir;
    dir.write("specialists/math.yaml", "id: specialists/math\nversion: 1\n");
    try {
        Library::load({dir.path()});
        FAIL() << "expected an error";
    } catch (const Error &e) {
        EXPECT_THAT(e.what(), HasSubstr("specialists/math.yaml:"));
    }
}

TEST(PromptLibrary, TheCommittedPromptsLoadAndRender) {
    const Library lib = Library::load({TINYLLM_TEST_PROMPTS_DIR});
    for (const char *id : {"routing/task_classifier", "specialists/code", "specialists/general",
                           "specialists/math"}) {
        SCOPED_TRACE(id);
        const Prompt &p = lib.get(id);
        EXPECT_FALSE(p.role.empty());
        EXPECT_FALSE(p.examples.empty());
        const Rendered r = render(p, json::parse(R"({"input":"what is 2+2?"})", "values"));
        EXPECT_THAT(r.user, HasSubstr("what is 2+2?"));
        EXPECT_FALSE(r.system.empty());
    }
    // The classifier answers in a schema whose route the router narrows to its own routes.
    const Prompt &classifier = lib.get("routing/task_classifier");
    ASSERT_TRUE(classifier.format_json);
    const json::Document format = json::parse(*classifier.format_json, "format");
    EXPECT_TRUE(format["properties"]["route"].HasMember("enum"));
    EXPECT_TRUE(format["properties"].HasMember("confidence"));
}

} // namespace
} // namespace tinyllm::prompts
