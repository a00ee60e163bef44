// The routing dataset reader: what a good file gives, and every bad line named FILE:LINE.
#include "cli/eval_dataset.hpp"
#include "test_support_common.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace tinyllm::cli::eval {
namespace {

using test_support::error_of;
using ::testing::HasSubstr;

std::vector<LabelledRequest> read(const std::string &text, size_t max_line = kMaxLineBytes) {
    std::istringstream in(text);
    return read_dataset(in, "set.jsonl", max_line);
}

// The message of the usage error reading `text` throws.
std::string problem(const std::string &text, size_t max_line = kMaxLineBytes) {
    const auto e = error_of([&] { read(text, max_line); });
    if (!e) return "";
    EXPECT_EQ(e->code(), ErrorCode::usage) << e->what();
    return e->what();
}

TEST(EvalDataset, ReadsEachLineWithItsNumberAndSize) {
    const auto requests =
        read("{\"id\": \"m1\", \"input\": \"2+2\", \"route\": \"math\"}\n"
             "\n"
             "{\"id\": \"a1\", \"input\": \"x\\ny\", \"route\": \"code\", \"ambiguous\": true, "
             "\"note\": \"why\"}\r\n"
             "   \n"
             "{\"input\": \"hi\", \"route\": \"general\", \"ambiguous\": false}");
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_EQ(requests[0].id, "m1");
    EXPECT_EQ(requests[0].input, "2+2");
    EXPECT_EQ(requests[0].route, "math");
    EXPECT_FALSE(requests[0].ambiguous);
    EXPECT_EQ(requests[0].line, 1u);
    EXPECT_EQ(requests[0].bytes,
              std::string(R"({"id": "m1", "input": "2+2", "route": "math"})").size() +
                  1);                // newline included
    EXPECT_EQ(requests[1].line, 3u); // blank lines skipped, still counted
    EXPECT_EQ(requests[1].input, "x\ny");
    EXPECT_TRUE(requests[1].ambiguous);
    EXPECT_EQ(requests[2].id, "line 5"); // no id: named by its line
    EXPECT_EQ(requests[2].line, 5u);
}

TEST(EvalDataset, AcceptsAByteOrderMark) {
    const auto requests = read("\xEF\xBB\xBF{\"input\": \"a\", \"route\": \"b\"}\n");
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].route, "b");
}

TEST(EvalDataset, ReadsTheProjectsDataset) {
    const auto requests =
        read_dataset_file(std::filesystem::path(TINYLLM_TEST_DATA_DIR) / "routing/requests.jsonl");
    EXPECT_EQ(requests.size(), 338u); // tests/data/routing/README.md
    size_t ambiguous = 0;
    for (const auto &r : requests)
        ambiguous += r.ambiguous;
    EXPECT_EQ(ambiguous, 38u);
}

TEST(EvalDataset, EachBadLineIsNamed) {
    const std::string good = "{\"input\": \"a\", \"route\": \"math\"}\n";
    EXPECT_EQ(problem(good + "{\"input\": \"b\", route}\n"),
              "set.jsonl:2: not valid JSON at column 16: Missing a name for object member (each "
              "line must be one JSON object)");
    EXPECT_EQ(problem(good + good + "[1, 2]\n"),
              "set.jsonl:3: a JSON array, not an object (each line must be one JSON object)");
    EXPECT_EQ(problem("{\"route\": \"math\"}\n"),
              "set.jsonl:1: no \"input\" (every line needs \"input\" and \"route\" strings)");
    EXPECT_EQ(problem("{\"input\": \"a\"}\n"),
              "set.jsonl:1: no \"route\" (every line needs \"input\" and \"route\" strings)");
    EXPECT_EQ(problem("{\"input\": 42, \"route\": \"math\"}\n"),
              "set.jsonl:1: \"input\" must be a string, not integer");
    EXPECT_EQ(problem("{\"input\": \"a\", \"route\": \"math\", \"ambiguous\": \"yes\"}\n"),
              "set.jsonl:1: \"ambiguous\" must be true or false, not string");
    EXPECT_EQ(problem("{\"id\": 7, \"input\": \"a\", \"route\": \"math\"}\n"),
              "set.jsonl:1: \"id\" must be a string, not integer");
    EXPECT_EQ(problem("{\"id\": \"x\", \"input\": \"a\", \"route\": \"m\"}\n\n"
                      "{\"id\": \"x\", \"input\": \"b\", \"route\": \"m\"}\n"),
              "set.jsonl:3: id \"x\" is also on line 1 (ids must be unique)");
    // Invalid UTF-8 inside a string.
    EXPECT_THAT(problem("{\"input\": \"\xC3\x28\", \"route\": \"m\"}\n"),
                HasSubstr("set.jsonl:1: not valid JSON at column "));
}

TEST(EvalDataset, AnEmptyDatasetIsAnError) {
    EXPECT_EQ(problem(""),
              "set.jsonl: no requests (one JSON object a line: {\"id\", \"input\", \"route\"})");
    EXPECT_THAT(problem("\n  \n\n"), HasSubstr("set.jsonl: no requests"));
}

// A line over the limit is refused where the limit is reached: the rest of it is never read.
TEST(EvalDataset, AHugeLineIsRefusedWithoutReadingItWhole) {
    const std::string line = "{\"input\": \"" + std::string(100, 'x') + "\", \"route\": \"m\"}";
    EXPECT_EQ(read(line + "\n", line.size()).size(), 1u); // exactly the limit: fine
    EXPECT_EQ(problem("{\"input\": \"a\", \"route\": \"m\"}\n" + line + "\n", line.size() - 1),
              "set.jsonl:2: line longer than " + std::to_string(line.size() - 1) +
                  " bytes (each line must be one JSON object; is this a JSONL file?)");

    // A stream that never ends a line: reading stops at the limit.
    class Endless : public std::streambuf {
    public:
        size_t taken = 0;

    protected:
        int_type underflow() override { return 'x'; }
        int_type uflow() override { return ++taken, 'x'; }
    } endless;
    std::istream in(&endless);
    const auto e = error_of([&] { read_dataset(in, "endless", 1000); });
    ASSERT_TRUE(e);
    EXPECT_THAT(e->what(), HasSubstr("endless:1: line longer than 1000 bytes"));
    EXPECT_LE(endless.taken, 1001u);
}

TEST(EvalDataset, AFileThatCannotBeReadIsAUsageError) {
    test_support::TempDir dir;
    const auto missing = error_of([&] { read_dataset_file(dir.path() / "nope.jsonl"); });
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->code(), ErrorCode::usage);
    EXPECT_THAT(missing->what(), HasSubstr("nope.jsonl: cannot open: No such file or directory"));
    const auto directory = error_of([&] { read_dataset_file(dir.path()); });
    ASSERT_TRUE(directory);
    EXPECT_THAT(directory->what(), HasSubstr(": cannot read: Is a directory"));
}

TEST(EvalDataset, LabelsMustBeTheNodesRoutes) {
    const auto requests = read("{\"input\": \"a\", \"route\": \"math\"}\n"
                               "{\"input\": \"b\", \"route\": \"poetry\"}\n");
    EXPECT_NO_THROW(check_labels(requests, {"math", "poetry"}, "set.jsonl", "r"));
    const auto e = error_of([&] { check_labels(requests, {"math", "code"}, "set.jsonl", "r"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::usage);
    EXPECT_STREQ(e->what(), "set.jsonl:2: route \"poetry\" is not one of node r's routes (math, "
                            "code)");
}

// ---- graded examples -----------------------------------------------------------------------

std::vector<Example> examples(const std::string &text) {
    std::istringstream in(text);
    return read_examples(in, "ex.jsonl");
}

std::string example_problem(const std::string &text) {
    const auto e = error_of([&] { examples(text); });
    if (!e) return "";
    EXPECT_EQ(e->code(), ErrorCode::usage) << e->what();
    return e->what();
}

TEST(EvalExamples, ReadsInputExpectedLabelsAndTheRestAsContext) {
    const auto ex =
        examples(R"j({"id":"c1","input":"rev","labels":{"category":"code"},"tests":"assert f()"})j"
                 "\n\n"
                 R"({"input":"2+2","expected":4})"
                 "\n");
    ASSERT_EQ(ex.size(), 2u);
    EXPECT_EQ(ex[0].id, "c1");
    EXPECT_EQ(ex[0].index, 0u);
    EXPECT_FALSE(ex[0].expected);
    ASSERT_EQ(ex[0].labels.size(), 1u);
    EXPECT_EQ(ex[0].labels[0].first, "category");
    EXPECT_EQ(ex[0].context, R"j({"labels":{"category":"code"},"tests":"assert f()"})j");
    EXPECT_EQ(ex[1].line, 3u);
    EXPECT_EQ(ex[1].index, 1u);
    EXPECT_EQ(ex[1].id, "line 3");
    EXPECT_EQ(ex[1].expected, "4"); // a number, as its JSON text
}

TEST(EvalExamples, EachBadLineIsNamed) {
    EXPECT_EQ(example_problem("{\"input\":\"a\"}\nnot json\n"),
              "ex.jsonl:2: not valid JSON at column 2: Invalid value (each line must be one JSON "
              "object)");
    EXPECT_THAT(example_problem(R"({"expected":"4"})"), HasSubstr("ex.jsonl:1: no \"input\""));
    EXPECT_THAT(example_problem(R"({"input":1})"),
                HasSubstr("ex.jsonl:1: \"input\" must be a string, not integer"));
    EXPECT_THAT(example_problem(R"({"input":"a","expected":[4]})"),
                HasSubstr("\"expected\" must be a string or a number"));
    EXPECT_THAT(example_problem(R"({"input":"a","labels":{"k":1}})"),
                HasSubstr("labels.k must be a string"));
    EXPECT_THAT(example_problem("{\"id\":\"x\",\"input\":\"a\"}\n{\"id\":\"x\",\"input\":\"b\"}"),
                HasSubstr("ex.jsonl:2: id \"x\" is also on line 1"));
    EXPECT_THAT(example_problem("\n\n"), HasSubstr("ex.jsonl: no examples"));
}

TEST(EvalExamples, ReadsTheProjectsDatasets) {
    for (const char *name : {"arithmetic", "word_problems", "code", "general"}) {
        const auto ex =
            read_examples_file(std::string(TINYLLM_TEST_DATA_DIR) + "/eval/" + name + ".jsonl");
        EXPECT_GE(ex.size(), 100u) << name;
    }
}

} // namespace
} // namespace tinyllm::cli::eval
