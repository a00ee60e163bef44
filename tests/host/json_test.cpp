// The JSON helpers that are not covered through their users.
#include "tinyllm/json.hpp"

#include <gtest/gtest.h>

namespace tinyllm::json {
namespace {

// The three kinds of text read the same, a NUL inside included.
TEST(JsonText, EveryKindOfTextReadsTheSame) {
    const std::string text = R"({"a":"b c","n":[1,2.5,true,null]})";
    const std::string_view view(text);
    EXPECT_EQ(to_string(parse(text, "t")), text);
    EXPECT_EQ(to_string(parse(text.c_str(), "t")), text);
    EXPECT_EQ(to_string(parse(view, "t")), text);
    // A view that ends before its buffer does: only the view is read.
    const std::string longer = text + " trailing";
    EXPECT_EQ(to_string(parse(std::string_view(longer).substr(0, text.size()), "t")), text);
    EXPECT_EQ(string_at(std::string_view(longer).substr(0, text.size()), {"a"}), "b c");

    const std::string nul_after = std::string(R"({"a":"b"})") + '\0' + "garbage";
    EXPECT_EQ(to_string(parse(nul_after, "t")), to_string(parse(std::string_view(nul_after), "t")));
    const std::string nul_inside = std::string(R"({"a":"b)") + '\0' + R"("})";
    EXPECT_THROW(parse(nul_inside, "t"), Error);
    EXPECT_THROW(parse(std::string_view(nul_inside), "t"), Error);
    EXPECT_EQ(string_at(nul_inside, {"a"}), std::nullopt);
    EXPECT_NE(Text(text).c_str(), nullptr);
    EXPECT_EQ(Text(view).c_str(), nullptr); // a view may not end with a NUL
}

// Found by tests/fuzz/code_args_fuzz: text held as a string_view went through an
// EncodedInputStream, which skips a UTF-8 byte order mark; as a std::string (or through
// json::read) the same text was an error.
TEST(JsonText, ALeadingByteOrderMarkReadsTheSameWhateverHoldsTheText) {
    const std::string text = "\xEF\xBB\xBF{\"a\":\"b\"}";
    EXPECT_THROW(parse(text, "t"), Error);
    EXPECT_THROW(parse(text.c_str(), "t"), Error);
    EXPECT_THROW(parse(std::string_view(text), "t"), Error);
    EXPECT_EQ(string_at(text, {"a"}), std::nullopt);
}

TEST(StringAt, FindsAStringDownAPath) {
    const std::string text =
        R"({"model":"m","message":{"role":"assistant","content":"Hi \"you\" \u00e9"},"n":1})";
    EXPECT_EQ(string_at(text, {"message", "content"}), "Hi \"you\" \xc3\xa9");
    EXPECT_EQ(string_at(text, {"message", "role"}), "assistant");
    EXPECT_EQ(string_at(text, {"model"}), "m");
}

TEST(StringAt, OnlyTheMembersOnThePathCount) {
    // The same names elsewhere: in other objects, in arrays, as values, deeper down.
    const std::string text = R"({"content":"top","data":{"message":{"content":"nested"}},)"
                             R"("list":[{"message":{"content":"in array"}}],"x":"message",)"
                             R"("message":{"other":{"content":"deeper"},"content":"right"}})";
    EXPECT_EQ(string_at(text, {"message", "content"}), "right");
    EXPECT_EQ(string_at(text, {"content"}), "top");
    EXPECT_EQ(string_at(text, {"data", "message", "content"}), "nested");
    EXPECT_EQ(string_at(R"({"a":{"b":[1,{"c":"x"}],"c":"y"}})", {"a", "c"}), "y");
}

TEST(StringAt, AbsentWrongTypeOrInvalid) {
    EXPECT_EQ(string_at(R"({"message":{"content":3}})", {"message", "content"}), std::nullopt);
    EXPECT_EQ(string_at(R"({"message":"content"})", {"message", "content"}), std::nullopt);
    EXPECT_EQ(string_at(R"({"message":{}})", {"message", "content"}), std::nullopt);
    EXPECT_EQ(string_at(R"({"message":{"content":{"x":"y"}}})", {"message", "content"}),
              std::nullopt);
    EXPECT_EQ(string_at(R"(["message"])", {"message"}), std::nullopt);
    EXPECT_EQ(string_at(R"({"message":{"content":a"})", {"message", "content"}), std::nullopt);
    EXPECT_EQ(string_at(R"({"x":[} "a":"b"})", {"a"}), std::nullopt); // broken before it
    // Reading stops at the member: what follows is somebody else's to validate.
    EXPECT_EQ(string_at(R"({"a":"b"} trailing)", {"a"}), "b");
    EXPECT_EQ(string_at(R"({"a":"b",)", {"a"}), "b");
    EXPECT_EQ(string_at("", {"a"}), std::nullopt);
}

TEST(StringAt, TheFirstOfDuplicatedMembersCounts) {
    EXPECT_EQ(string_at(R"({"a":"1","a":"2"})", {"a"}), "1");
    EXPECT_EQ(string_at(R"({"a":{"b":"1"},"a":{"b":"2"}})", {"a", "b"}), "1");
}

// Found by tests/fuzz/message_json_fuzz: when the first member of a name was not what the path
// needs, string_at went on to a later one, where find() (and so the executor's conditions)
// reads the first.
TEST(StringAt, TheFirstOfDuplicatedMembersCountsWhateverItHolds) {
    EXPECT_EQ(string_at(R"({"a":1,"a":"2"})", {"a"}), std::nullopt);
    EXPECT_EQ(string_at(R"({"a":null,"a":"2"})", {"a"}), std::nullopt);
    EXPECT_EQ(string_at(R"({"a":["x"],"a":"2"})", {"a"}), std::nullopt);
    EXPECT_EQ(string_at(R"({"a":{"b":"1"},"a":"2"})", {"a"}), std::nullopt);
    EXPECT_EQ(string_at(R"({"m":"x","m":{"c":"2"}})", {"m", "c"}), std::nullopt);
    EXPECT_EQ(string_at(R"({"m":{"role":"x"},"m":{"c":"2"}})", {"m", "c"}), std::nullopt);
    EXPECT_EQ(string_at(R"({"m":{"c":{"d":1}},"m":{"c":{"d":"2"}}})", {"m", "c", "d"}),
              std::nullopt);
    // The same name inside another member is no member of the path.
    EXPECT_EQ(string_at(R"({"x":{"a":1},"a":"top"})", {"a"}), "top");
    EXPECT_EQ(string_at(R"({"m":{"x":{"c":1},"c":"2"}})", {"m", "c"}), "2");
}

} // namespace
} // namespace tinyllm::json

namespace tinyllm::json {
namespace {

std::vector<std::string_view> member_values(std::string_view object) {
    std::vector<std::string_view> values;
    for (const RawMember &m : raw_members(object))
        values.push_back(m.value);
    return values;
}

TEST(RawMembers, GivesEachValueAsWritten) {
    using V = std::vector<std::string_view>;
    EXPECT_EQ(member_values(R"({"a":1,"b":"x","c":[1,{"d":"}"}],"e":{"f":[]},"g":true})"),
              (V{"1", R"("x")", R"([1,{"d":"}"}])", R"({"f":[]})", "true"}));
    EXPECT_EQ(member_values(" { \"a\" : \"q\\\"uo,te}\" ,\n\t\"b\\\"\" :\r null } "),
              (V{R"("q\"uo,te}")", "null"}));
    EXPECT_EQ(member_values(R"({"a":"\\","b":-1.5e3})"), (V{R"("\\")", "-1.5e3"}));
    EXPECT_EQ(member_values(R"({"a":"x\\\"y","b":"\\\\"})"), (V{R"("x\\\"y")", R"("\\\\")"}));
    EXPECT_EQ(member_values("{}"), V{});
    EXPECT_EQ(member_values(" { } "), V{});
}

TEST(RawMembers, GivesEachNameAsWritten) {
    const auto members = raw_members(R"({"a":1, "b\"c" :2,"\u0064":3})");
    ASSERT_EQ(members.size(), 3u);
    EXPECT_EQ(members[0].name, R"("a")");
    EXPECT_EQ(members[1].name, R"("b\"c")");
    EXPECT_EQ(members[2].name, R"("\u0064")");
}

// A handler that reads again inside a callback gets its own copy of the text; small and large
// texts read the same.
TEST(JsonRead, NestedReadsDoNotShareTheScratchCopy) {
    struct Inner : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Inner> {
        std::string last;
        bool String(const char *s, rapidjson::SizeType n, bool) {
            last.assign(s, n);
            return true;
        }
    };
    struct Outer : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Outer> {
        std::vector<std::string> seen;
        bool String(const char *s, rapidjson::SizeType n, bool) {
            Inner inner;
            EXPECT_FALSE(read(R"(["inner text that is long enough to matter"])", inner).IsError());
            seen.emplace_back(s, n);
            return true;
        }
    } outer;
    EXPECT_FALSE(read(R"(["one","two"])", outer).IsError());
    EXPECT_EQ(outer.seen, (std::vector<std::string>{"one", "two"}));

    const std::string large(5000, 'x');
    Outer big;
    EXPECT_FALSE(read("[\"" + large + "\",\"a\\nb\"]", big).IsError());
    EXPECT_EQ(big.seen, (std::vector<std::string>{large, "a\nb"}));
}

} // namespace
} // namespace tinyllm::json

namespace tinyllm::json {
namespace {

TEST(AppendQuoted, WritesAJsonString) {
    std::string out = "x=";
    append_quoted(out, "a \"b\" \\ \n\t\x01 é");
    EXPECT_EQ(out, "x=\"a \\\"b\\\" \\\\ \\n\\t\\u0001 é\"");
    std::string empty;
    append_quoted(empty, "");
    EXPECT_EQ(empty, "\"\"");
    EXPECT_EQ(to_string(parse("[" + out.substr(2) + "]", "t")), "[" + out.substr(2) + "]");
}

TEST(AppendQuoted, WritesWhatTheWriterWritesForEveryByte) {
    const auto writer = [](std::string_view text) {
        rapidjson::StringBuffer buffer;
        Writer w(buffer);
        w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
        // What is not UTF-8 (bytes 0x80-0xFF alone) is U+FFFD in all TinyLLM writes.
        std::string written(buffer.GetString(), buffer.GetSize());
        replace_invalid_utf8(written);
        return written;
    };
    for (int c = 0; c < 256; ++c) {
        const std::string text =
            std::string("a") + static_cast<char>(c) + "b" + static_cast<char>(c);
        std::string out;
        append_quoted(out, text);
        EXPECT_EQ(out, writer(text)) << "byte " << c;
    }
    std::string out;
    append_quoted(out, std::string_view("\0x", 2)); // an embedded NUL is escaped, not an end
    EXPECT_EQ(out, "\"\\u0000x\"");
}

} // namespace
} // namespace tinyllm::json

// The one reading policy (json.hpp): no nesting can exhaust the stack, and documents nest at
// most kMaxDepth levels, through parse, parse_object and parse_into alike, and SAX passes read
// any depth without recursion.
namespace tinyllm::json {
namespace {

std::string nested(size_t depth, char open = '[', char close = ']') {
    return std::string(depth, open) + std::string(depth, close);
}

TEST(JsonPolicy, DocumentsNestUpToTheLimit) {
    EXPECT_TRUE(parse(nested(kMaxDepth), "doc").IsArray());
    Document doc;
    EXPECT_TRUE(parse_into(doc, nested(kMaxDepth)));
    EXPECT_TRUE(doc.IsArray());
}

TEST(JsonPolicy, DeeperIsAParseErrorNamingTheLimitAndWhere) {
    Document doc;
    const std::string text = nested(kMaxDepth + 1);
    const rapidjson::ParseResult r = parse_into(doc, text);
    EXPECT_FALSE(r);
    EXPECT_TRUE(doc.IsNull());
    EXPECT_EQ(parse_error_text(text, r), "nested deeper than 256 levels at line 1 column 257");
    try {
        (void)parse_object("{\"code\":" + nested(100000) + "}", "request");
        FAIL() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), ErrorCode::protocol);
        EXPECT_STREQ(e.what(), "request: nested deeper than 256 levels at line 1 column 264");
    }
}

TEST(JsonPolicy, AHundredThousandLevelsOfAnyKindEndInAnErrorNotACrash) {
    // The issue's reproductions: arrays, objects, and a text that ends mid-way (a cut stream).
    std::string objects;
    for (int i = 0; i < 100000; ++i)
        objects += "{\"a\":";
    Document doc;
    for (const std::string &text :
         {nested(100000), objects, std::string(200000, '['), nested(1000000)}) {
        const rapidjson::ParseResult r = parse_into(doc, text);
        EXPECT_FALSE(r);
        EXPECT_NE(parse_error_text(text, r).find("nested deeper than 256 levels"),
                  std::string::npos);
    }
}

// A document read to be put inside another gets the levels left to it there.
TEST(JsonPolicy, ADocumentReadForAPlaceInsideAnotherNestsOnlyAsDeepAsThePlaceLeaves) {
    EXPECT_TRUE(parse(nested(10), "doc", ErrorCode::protocol, 10).IsArray());
    try {
        (void)parse_object("{\"a\":" + nested(10) + "}", "arguments", ErrorCode::invalid_argument,
                           10);
        FAIL() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_STREQ(e.what(), "arguments: nested deeper than 10 levels at line 1 column 15");
    }
    // Never beyond the policy's own limit.
    Document doc;
    const std::string text = nested(kMaxDepth + 1);
    const rapidjson::ParseResult r = parse_into(doc, text, kMaxDepth + 100);
    EXPECT_FALSE(r);
    EXPECT_EQ(parse_error_text(text, r, kMaxDepth + 100),
              "nested deeper than 256 levels at line 1 column 257");
}

TEST(JsonPolicy, SaxPassesReadAnyDepthIteratively) {
    const std::string text = "{\"a\":" + nested(100000) + ",\"b\":\"here\"}";
    // string_at stops at the member: found after a deep sibling without recursing.
    EXPECT_EQ(string_at(text, {"b"}), "here");
}

// Found by tests/fuzz/message_json_fuzz: RapidJSON 1.1 reports 1e309 as too big for a double
// but read 2e308 as infinity, which to_string could not write: it cut the document short
// (`{"a":`), invalid JSON.
TEST(JsonPolicy, ANumberTooBigForADoubleIsAnErrorNotInfinity) {
    for (const std::string text : {"1e309", "2e308", "71e308", "-1.8e308", "[1,2e308]"}) {
        Document doc;
        const rapidjson::ParseResult r = parse_into(doc, text);
        EXPECT_FALSE(r) << text;
        EXPECT_NE(parse_error_text(text, r).find("Number too big to be stored in double"),
                  std::string::npos)
            << text << ": " << parse_error_text(text, r);
        EXPECT_THROW(parse(std::string_view(text), "t"), Error) << text;
    }
    Document doc;
    const std::string text = R"({"a":[1,2e308]})";
    EXPECT_EQ(parse_error_text(text, parse_into(doc, text)),
              "invalid JSON at line 1 column 9: Number too big to be stored in double.");
    EXPECT_EQ(to_string(parse("[1e308,-1.7e308,5e-324]", "t")), "[1e308,-1.7e308,5e-324]");
}

TEST(JsonPolicy, InvalidJsonSaysWhereAndWhy) {
    Document doc;
    const std::string text = "{\"a\": tru}";
    const rapidjson::ParseResult r = parse_into(doc, text);
    EXPECT_FALSE(r);
    EXPECT_EQ(parse_error_text(text, r), "invalid JSON at line 1 column 10: Invalid value.");
}

} // namespace
} // namespace tinyllm::json

// What the project writes is valid JSON whatever the text holds: every control byte escaped at
// every position (RapidJSON's SSE2 scan let 0x1A-0x1F through inside aligned 16-byte blocks,
// so an ESC in a model's answer reached `--json` output raw; issue 12).
namespace tinyllm::json {
namespace {

TEST(JsonWrite, EveryControlByteIsEscapedAtEveryPosition) {
    for (int byte = 0; byte < 0x20; ++byte) {
        for (size_t at = 0; at < 48; ++at) {
            std::string text(64, 'x');
            text[at] = static_cast<char>(byte);
            Document doc(rapidjson::kObjectType);
            doc.AddMember("s", string_value(text, doc.GetAllocator()), doc.GetAllocator());
            for (const std::string &out : {to_string(doc), to_pretty_string(doc)}) {
                for (const char c : out) {
                    ASSERT_TRUE(static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == ' ')
                        << "byte " << byte << " at " << at << " written raw: " << out;
                }
                const Document back = parse(out, "out");
                EXPECT_EQ(std::string(back["s"].GetString(), back["s"].GetStringLength()), text);
            }
        }
    }
}

TEST(JsonRead, AControlByteInsideAStringIsAnErrorAtEveryPosition) {
    for (const int byte : {0x01, 0x1b, 0x1f}) {
        for (size_t at = 0; at < 48; ++at) {
            std::string text = "{\"s\":\"" + std::string(64, 'x') + "\"}";
            text[6 + at] = static_cast<char>(byte);
            Document doc;
            EXPECT_FALSE(parse_into(doc, text)) << "byte " << byte << " at " << at;
        }
    }
}

} // namespace
} // namespace tinyllm::json
