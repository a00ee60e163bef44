// NdjsonSplitter: lines come out whole however the bytes are chunked.
#include "ndjson.hpp"

#include <tinyllm/plugin.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

using tinyllm::ollama::NdjsonSplitter;

std::vector<std::string> split_all(const std::vector<std::string> &chunks) {
    NdjsonSplitter splitter;
    std::vector<std::string> lines;
    const auto on_line = [&](std::string_view line) { lines.emplace_back(line); };
    for (const auto &c : chunks)
        splitter.feed(c, on_line);
    splitter.finish(on_line);
    return lines;
}

TEST(Ndjson, SplitsCompleteLines) {
    EXPECT_EQ(split_all({"{\"a\":1}\n{\"b\":2}\n"}),
              (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}

TEST(Ndjson, BuffersPartialLinesAcrossChunks) {
    EXPECT_EQ(split_all({"{\"a\"", ":1}\n{", "\"b\":2}", "\n"}),
              (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}

TEST(Ndjson, SkipsBlankLinesAndCarriageReturns) {
    EXPECT_EQ(split_all({"\n\r\n{\"a\":1}\r\n  \n{\"b\":2}\r\n"}),
              (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}

TEST(Ndjson, FinishDeliversAnUnterminatedLastLine) {
    EXPECT_EQ(split_all({"{\"a\":1}\n{\"b\":2}"}),
              (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}

TEST(Ndjson, Utf8SplitAtEveryByteComesOutIntact) {
    const std::string line =
        "{\"content\":\"h\xC3\xA9llo \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x98\x80\"}";
    const std::string wire = line + "\n" + line + "\n";
    for (size_t i = 0; i <= wire.size(); ++i) {
        for (size_t j = i; j <= wire.size(); j += 3) {
            const auto lines =
                split_all({wire.substr(0, i), wire.substr(i, j - i), wire.substr(j)});
            ASSERT_EQ(lines, (std::vector<std::string>{line, line})) << i << "," << j;
        }
    }
}

TEST(Ndjson, CountsLines) {
    NdjsonSplitter splitter;
    size_t last = 0;
    splitter.feed("a\n\nb\nc", [&](std::string_view) { last = splitter.lines(); });
    EXPECT_EQ(last, 2u);
    EXPECT_EQ(splitter.pending(), 1u);
}

TEST(Ndjson, OverlongLineIsAProtocolError) {
    NdjsonSplitter splitter(16);
    const auto ignore = [](std::string_view) {};
    splitter.feed("short\n", ignore);
    try {
        splitter.feed(std::string(10, 'x'), ignore);
        splitter.feed(std::string(10, 'x'), ignore);
        FAIL() << "no error";
    } catch (const tinyllm::sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_PROTOCOL);
    }
    EXPECT_EQ(splitter.pending(), 0u);
}

TEST(Ndjson, ACallbackThatThrowsLeavesTheSplitterUsable) {
    NdjsonSplitter splitter;
    std::vector<std::string> lines;
    const auto thrower = [](std::string_view) { throw std::runtime_error("stop"); };
    const auto collect = [&](std::string_view line) { lines.emplace_back(line); };
    splitter.feed("pa", collect);
    EXPECT_THROW(splitter.feed("rt\n", thrower), std::runtime_error);
    EXPECT_EQ(splitter.pending(), 0u);
    splitter.feed("z\n", collect);
    EXPECT_EQ(lines, (std::vector<std::string>{"z"}));
}

} // namespace
