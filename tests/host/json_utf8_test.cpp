// What TinyLLM writes as JSON is valid UTF-8, whatever the text holds (issue 12, item 4):
// invalid bytes from a prompt or a model's answer are each replaced by U+FFFD.
#include "tinyllm/json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tinyllm::json {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

std::string written(const std::string &text) {
    Document doc(rapidjson::kObjectType);
    doc.AddMember("t", string_value(text, doc.GetAllocator()), doc.GetAllocator());
    return to_string(doc);
}

TEST(JsonUtf8, ValidTextIsWrittenAsItIs) {
    for (const std::string text :
         {"plain", "é", "日本語", "\xF0\x9F\x98\x80", "\xEF\xBF\xBD", "\xF4\x8F\xBF\xBF"}) {
        EXPECT_EQ(written(text), "{\"t\":\"" + text + "\"}");
    }
}

TEST(JsonUtf8, EachInvalidByteBecomesTheReplacementCharacter) {
    const struct {
        std::string in, out;
    } cases[] = {
        {"a\xFF"
         "b",
         "a" + kReplacement + "b"},                                   // never valid
        {"\x80", kReplacement},                                       // stray continuation
        {"\xC3", kReplacement},                                       // truncated at the end
        {"\xC3(", kReplacement + "("},                                // truncated before ASCII
        {"\xC0\xAF", kReplacement + kReplacement},                    // overlong '/'
        {"\xE0\x80\xAF", kReplacement + kReplacement + kReplacement}, // overlong, 3 bytes
        {"\xED\xA0\x80", kReplacement + kReplacement + kReplacement}, // a surrogate
        {"\xF4\x90\x80\x80",
         std::string(kReplacement) + kReplacement + kReplacement + kReplacement}, // past U+10FFFF
    };
    for (const auto &c : cases) {
        EXPECT_EQ(written(c.in), "{\"t\":\"" + c.out + "\"}") << c.in;
        // What was written reads back: valid JSON, the replacement characters in place.
        const Document back = parse(written(c.in), "written");
        EXPECT_EQ(get_string(back, "t"), c.out);
    }
}

TEST(JsonUtf8, MemberNamesAndPrettyOutputAndQuotedTextToo) {
    Document doc(rapidjson::kObjectType);
    Value key = string_value("k\xFF", doc.GetAllocator());
    doc.AddMember(key, Value(1), doc.GetAllocator());
    EXPECT_EQ(to_string(doc), "{\"k" + kReplacement + "\":1}");
    EXPECT_EQ(to_pretty_string(doc), "{\n  \"k" + kReplacement + "\": 1\n}");
    std::string out = "x";
    append_quoted(out, "\x1B\xFE");
    EXPECT_EQ(out, "x\"\\u001B" + kReplacement + "\"");
}

} // namespace
} // namespace tinyllm::json
