// `tinyllm plugins validate` on mutations, through the real binary: each test mutation is created
// and asked to propose for the validator's sample two-node graph (also concurrently, also
// cancelled); an output outside the schema and a crash fail their check, a proper failure passes.
#include "e2e_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tinyllm::e2e {
namespace {

using ::testing::HasSubstr;

const std::string kMutationsPlugin = TINYLLM_TEST_MUTATIONS_PLUGIN;

class MutationValidate : public E2ETest {};

// The report's line for `check`, or "" (and a failure) when there is none.
std::string line_of(const std::string &out, const std::string &check) {
    for (const std::string &line : split_lines(out)) {
        if (line.find(" " + check + ": ") != std::string::npos) return line;
    }
    ADD_FAILURE() << "no line for \"" << check << "\" in:\n" << out;
    return {};
}

TEST_F(MutationValidate, EachMutationProposesForASampleGraphAndItsOutputIsChecked) {
    const RunResult r = host({"plugins", "validate", kMutationsPlugin});
    EXPECT_EXIT_CODE(r, kPlugin); // verbatim and crash fail
    const std::string propose = ": propose for a sample two-node graph";
    // touch: a candidate, the sample graph's id kept (the host checks it).
    EXPECT_THAT(line_of(r.out, "tinyllm.mutation/1 touch: create with its config"),
                ::testing::StartsWith("ok "));
    EXPECT_THAT(line_of(r.out, "tinyllm.mutation/1 touch" + propose),
                ::testing::MatchesRegex("ok +tinyllm.mutation/1 touch: propose for a sample "
                                        "two-node graph: answered: 1 candidate\\(s\\); touching "
                                        "second: touch 0 of second; touched 1 times"));
    EXPECT_THAT(line_of(r.out, "tinyllm.mutation/1 touch: concurrent calls"),
                ::testing::StartsWith("ok "));
    EXPECT_THAT(line_of(r.out, "tinyllm.mutation/1 touch: cancellation"),
                ::testing::StartsWith("ok "));
    // verbatim answers {}: outside the schema, a failed check.
    const std::string verbatim = line_of(r.out, "tinyllm.mutation/1 verbatim" + propose);
    EXPECT_THAT(verbatim, ::testing::StartsWith("FAIL "));
    EXPECT_THAT(verbatim, HasSubstr("mutation verbatim answered outside the schema: output: "));
    // failing fails with a status and a message: what a mutation may do.
    const std::string failing = line_of(r.out, "tinyllm.mutation/1 failing" + propose);
    EXPECT_THAT(failing, ::testing::StartsWith("ok "));
    EXPECT_THAT(failing, HasSubstr("failed properly: "));
    EXPECT_THAT(failing, HasSubstr("down on purpose"));
    // crash takes the validator down in its check.
    const std::string crash = line_of(r.out, "tinyllm.mutation/1 crash" + propose);
    EXPECT_THAT(crash, ::testing::StartsWith("FAIL "));
    EXPECT_THAT(crash, HasSubstr("the plugin crashed the validator (SIG"));
}

} // namespace
} // namespace tinyllm::e2e
