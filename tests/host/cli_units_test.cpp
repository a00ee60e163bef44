// Small CLI helpers whose behaviour users see directly: model name matching, exit codes and
// terminal formatting.
#include "cli/exit_codes.hpp"
#include "cli/model_names.hpp"
#include "cli/terminal.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tinyllm::cli {
namespace {

TEST(ModelNames, WithTagAddsLatestOnlyWhenThereIsNoTag) {
    EXPECT_EQ(with_tag("llama3.2"), "llama3.2:latest");
    EXPECT_EQ(with_tag("llama3.2:1b"), "llama3.2:1b");
    EXPECT_EQ(with_tag("qwen2.5:0.5b"), "qwen2.5:0.5b");
    EXPECT_EQ(with_tag("library/llama3.2"), "library/llama3.2:latest");
    EXPECT_EQ(with_tag("hf.co/org/model:Q4_K_M"), "hf.co/org/model:Q4_K_M");
    // A registry port is not a tag: the tag is after the last '/'.
    EXPECT_EQ(with_tag("localhost:5000/x"), "localhost:5000/x:latest");
    EXPECT_EQ(with_tag("localhost:5000/x:v1"), "localhost:5000/x:v1");
}

TEST(ModelNames, SameModelComparesWithTheDefaultTag) {
    EXPECT_TRUE(same_model("llama3.2", "llama3.2:latest"));
    EXPECT_TRUE(same_model("llama3.2:latest", "llama3.2"));
    EXPECT_TRUE(same_model("llama3.2", "llama3.2"));
    EXPECT_FALSE(same_model("llama3.2", "llama3.2:1b"));
    EXPECT_FALSE(same_model("llama3.2", "llama3.1"));
    EXPECT_TRUE(same_model("localhost:5000/x", "localhost:5000/x:latest"));
    EXPECT_FALSE(same_model("localhost:5000/x", "localhost:5001/x"));
    EXPECT_FALSE(same_model("localhost:5000/x", "localhost/x:5000"));
}

TEST(ExitCodes, EachErrorCodeMapsToItsDocumentedExitCode) {
    const std::vector<std::pair<ErrorCode, int>> table = {
        {ErrorCode::usage, 2},       {ErrorCode::config, 3},           {ErrorCode::plugin, 4},
        {ErrorCode::unavailable, 5}, {ErrorCode::timeout, 6},          {ErrorCode::not_found, 7},
        {ErrorCode::cancelled, 130}, {ErrorCode::invalid_argument, 1}, {ErrorCode::protocol, 1},
        {ErrorCode::unsupported, 1}, {ErrorCode::remote, 1},           {ErrorCode::io, 1},
        {ErrorCode::internal, 1},
    };
    for (const auto &[code, exit] : table) {
        EXPECT_EQ(exit_code_for(code), exit) << to_string(code);
    }
    EXPECT_EQ(kExitOk, 0);
}

TEST(Terminal, HumanBytesUsesDecimalUnits) {
    EXPECT_EQ(human_bytes(0), "0 B");
    EXPECT_EQ(human_bytes(512), "512 B");
    EXPECT_EQ(human_bytes(999), "999 B");
    EXPECT_EQ(human_bytes(1000), "1.0 KB");
    EXPECT_EQ(human_bytes(1536), "1.5 KB");
    EXPECT_EQ(human_bytes(1'234'567), "1.2 MB");
    EXPECT_EQ(human_bytes(397'821'319), "397.8 MB"); // qwen2.5:0.5b
    EXPECT_EQ(human_bytes(2'019'393'189), "2.0 GB");
    EXPECT_EQ(human_bytes(5'000'000'000'000), "5.0 TB");
    EXPECT_EQ(human_bytes(5'000'000'000'000'000), "5000.0 TB"); // TB is the largest unit
}

TEST(Terminal, PaintWithoutColourIsThePlainText) {
    for (const Color c :
         {Color::red, Color::green, Color::yellow, Color::blue, Color::dim, Color::bold}) {
        EXPECT_EQ(paint("ok", c, false), "ok");
    }
    EXPECT_EQ(paint("", Color::red, false), "");
}

TEST(Terminal, PaintWithColourWrapsAndResets) {
    EXPECT_EQ(paint("error", Color::red, true), "\033[31merror\033[0m");
    EXPECT_EQ(paint("ok", Color::green, true), "\033[32mok\033[0m");
    EXPECT_EQ(paint("x", Color::bold, true), "\033[1mx\033[0m");
}

} // namespace
} // namespace tinyllm::cli
