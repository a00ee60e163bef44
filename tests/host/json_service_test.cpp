// tinyllm.json/1 (runtime/json_service.cpp) through its C table, the way a plugin calls it:
// parsing (errors into the caller's buffer, SIZE_MAX or an explicit size, the depth limit), the
// typed getters by JSON Pointer, write and quote; set and remove (2.3: RFC 6902 "add" and
// "remove", each refusal with its reason and the document unchanged, strings read before an edit
// still valid after it), also through the C++ helper's Json. Then the C node c_json
// (tests/plugins/json_node.c), which reads its config and every message through the service
// only, run through runtime::Node.
#include "runtime/json_service.hpp"

#include "plugin/registry.hpp"
#include "runtime/call_context.hpp"
#include "runtime/instance_host.hpp"
#include "runtime/node.hpp"
#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace tinyllm::runtime {
namespace {

using host_test::error_of;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const tllm_json_service_v1 &service() {
    return json_service();
}

// A parsed document, freed with the service's free; `error` holds parse's message when `get()`
// is null.
class Doc {
public:
    // NUL-terminated text (SIZE_MAX).
    explicit Doc(const std::string &text) : Doc(text.c_str(), SIZE_MAX) {}
    Doc(const char *text, size_t size) {
        std::memset(error, 'x', sizeof error); // parse must terminate what it writes
        doc_ = service().parse(text, size, error, sizeof error);
    }
    ~Doc() { service().free(doc_); }
    Doc(const Doc &) = delete;
    Doc &operator=(const Doc &) = delete;

    const tllm_json *get() const noexcept { return doc_; }
    tllm_json *edit() const noexcept { return doc_; }
    // set and remove: "" when they succeed, else the reason (checked to come with
    // TLLM_ERR_INVALID_ARGUMENT).
    std::string set(const char *pointer, const std::string &value) {
        return edited(
            service().set(doc_, pointer, value.c_str(), SIZE_MAX, edit_error, sizeof edit_error));
    }
    std::string remove(const char *pointer) {
        return edited(service().remove(doc_, pointer, edit_error, sizeof edit_error));
    }
    int32_t type(const char *pointer) const { return service().type(doc_, pointer); }
    size_t count(const char *pointer) const { return service().count(doc_, pointer); }
    // The value at `pointer` written by the service ("<absent>" for NULL).
    std::string write(const char *pointer) const {
        char *text = service().write(doc_, pointer);
        const std::string out = text != nullptr ? text : "<absent>";
        service().free_text(text);
        return out;
    }

    char error[256];

private:
    std::string edited(tllm_status st) {
        if (st == TLLM_OK) return "";
        EXPECT_EQ(st, TLLM_ERR_INVALID_ARGUMENT) << edit_error;
        return edit_error;
    }
    char edit_error[256] = "";
    tllm_json *doc_ = nullptr;
};

// What quote makes of `size` bytes of `text` ("<null>" for NULL).
std::string quoted(const char *text, size_t size) {
    char *out = service().quote(text, size);
    const std::string result = out != nullptr ? out : "<null>";
    service().free_text(out);
    return result;
}

// `levels` nested arrays: [[[...]]].
std::string nested_arrays(size_t levels) {
    return std::string(levels, '[') + std::string(levels, ']');
}

TEST(JsonService, IsOneCompleteStaticTableOfferedByEveryHost) {
    const tllm_json_service_v1 &s = service();
    EXPECT_EQ(s.struct_size, sizeof(tllm_json_service_v1));
    EXPECT_TRUE(TLLM_HAS_FIELD(&s, tllm_json_service_v1, free_text));
    EXPECT_TRUE(TLLM_HAS_FIELD(&s, tllm_json_service_v1, remove)); // 2.3
    for (const void *fn :
         {(const void *)s.parse, (const void *)s.free, (const void *)s.type, (const void *)s.string,
          (const void *)s.integer, (const void *)s.number, (const void *)s.boolean,
          (const void *)s.count, (const void *)s.key, (const void *)s.write, (const void *)s.quote,
          (const void *)s.free_text, (const void *)s.set, (const void *)s.remove}) {
        EXPECT_NE(fn, nullptr);
    }
    // The same table with or without services: it needs no instance and no runtime.
    InstanceHost host("test:json", nullptr);
    const tllm_host *h = host.raw();
    EXPECT_EQ(h->get_service(h, TLLM_SERVICE_JSON), &s);
    EXPECT_EQ(h->get_service(h, "tinyllm.json/2"), nullptr);
}

// ---- parse -------------------------------------------------------------------------------

TEST(JsonServiceParse, AFailureWritesTheParsersReasonAndPositionIntoTheBuffer) {
    const Doc missing_value(R"({"a":})");
    EXPECT_EQ(missing_value.get(), nullptr);
    EXPECT_STREQ(missing_value.error, "JSON: invalid JSON at line 1 column 6: Invalid value.");

    const Doc second_line("[1,\n 2,,3]");
    EXPECT_EQ(second_line.get(), nullptr);
    EXPECT_STREQ(second_line.error, "JSON: invalid JSON at line 2 column 4: Invalid value.");

    const Doc empty("");
    EXPECT_EQ(empty.get(), nullptr);
    EXPECT_STREQ(empty.error, "JSON: invalid JSON at line 1 column 1: The document is empty.");

    const Doc trailing("{} {}");
    EXPECT_EQ(trailing.get(), nullptr);
    EXPECT_THAT(trailing.error, HasSubstr("column 4: The document root must not be followed"));

    const Doc no_text(nullptr, SIZE_MAX);
    EXPECT_EQ(no_text.get(), nullptr);
    EXPECT_STREQ(no_text.error, "no text");
}

TEST(JsonServiceParse, TheMessageIsCutToTheBufferAndAlwaysTerminated) {
    char small[12];
    std::memset(small, 'x', sizeof small);
    EXPECT_EQ(service().parse("{", SIZE_MAX, small, 8), nullptr);
    EXPECT_STREQ(small, "JSON: i"); // 7 bytes and the NUL
    EXPECT_EQ(small[8], 'x');       // nothing written past error_size

    char untouched[4] = {'x', 'x', 'x', 'x'};
    EXPECT_EQ(service().parse("{", SIZE_MAX, untouched, 0), nullptr);
    EXPECT_EQ(std::string(untouched, 4), "xxxx");
    EXPECT_EQ(service().parse("{", SIZE_MAX, nullptr, 0), nullptr); // no buffer at all
    EXPECT_EQ(service().parse("{", SIZE_MAX, nullptr, 64), nullptr);
}

TEST(JsonServiceParse, SizeMaxReadsToTheNulAndAnExplicitSizeReadsExactlyThatManyBytes) {
    const std::string text = "[1,2]{\"more\":true}";
    const Doc whole(text); // SIZE_MAX: all of it, which is not one document
    EXPECT_EQ(whole.get(), nullptr);
    EXPECT_THAT(whole.error, HasSubstr("column 6: The document root must not be followed"));

    const Doc first(text.c_str(), 5); // "[1,2]"
    ASSERT_NE(first.get(), nullptr) << first.error;
    EXPECT_EQ(first.write(""), "[1,2]");

    const Doc cut(text.c_str(), 3); // "[1,"
    EXPECT_EQ(cut.get(), nullptr);
    EXPECT_THAT(cut.error, StartsWith("JSON: invalid JSON at line 1 column 4"));

    const Doc none(text.c_str(), 0);
    EXPECT_EQ(none.get(), nullptr);
    EXPECT_THAT(none.error, HasSubstr("The document is empty."));

    // With a size the text needs no NUL at all.
    const char unterminated[] = {'{', '"', 'k', '"', ':', '7', '}'};
    const Doc exact(unterminated, sizeof unterminated);
    ASSERT_NE(exact.get(), nullptr) << exact.error;
    EXPECT_EQ(exact.write(""), R"({"k":7})");
}

TEST(JsonServiceParse, NestingDeeperThan512LevelsIsRefused) {
    ASSERT_EQ(kJsonServiceMaxDepth, 512u);

    const Doc deepest_allowed(nested_arrays(512));
    ASSERT_NE(deepest_allowed.get(), nullptr) << deepest_allowed.error;
    std::string pointer;
    for (int i = 0; i < 511; ++i)
        pointer += "/0";
    EXPECT_EQ(deepest_allowed.type(pointer.c_str()), TLLM_JSON_ARRAY); // level 512
    EXPECT_EQ(deepest_allowed.count(pointer.c_str()), 0u);
    EXPECT_EQ(deepest_allowed.write(""), nested_arrays(512));

    const Doc one_more(nested_arrays(513));
    EXPECT_EQ(one_more.get(), nullptr);
    EXPECT_STREQ(one_more.error, "nested deeper than 512 levels at offset 512");

    // Objects count as levels too, mixed with arrays.
    std::string objects;
    for (int i = 0; i < 257; ++i)
        objects += "{\"a\":[";
    objects += "1";
    for (int i = 0; i < 257; ++i)
        objects += "]}";
    const Doc deep_objects(objects);
    EXPECT_EQ(deep_objects.get(), nullptr);
    EXPECT_THAT(deep_objects.error, StartsWith("nested deeper than 512 levels at offset "));

    // Far deeper is refused the same way, not by running out of stack.
    const Doc very_deep(nested_arrays(200000));
    EXPECT_EQ(very_deep.get(), nullptr);
    EXPECT_THAT(very_deep.error, StartsWith("nested deeper than 512 levels"));

    // An explicit size counts only its own bytes: 512 levels of a longer text are fine.
    const std::string longer = std::string(512, '[') + std::string(513, ']');
    const Doc sized(longer.c_str(), 1024);
    EXPECT_NE(sized.get(), nullptr) << sized.error;
}

// ---- the getters ------------------------------------------------------------------------------

constexpr const char *kEveryType =
    R"({"n":null,"t":true,"f":false,"i":42,"d":2.5,"s":"text","a":[1,"x",{}],"o":{"k":"v"}})";

TEST(JsonServiceGetters, TypeNamesWhatThePointerLeadsTo) {
    const Doc doc(kEveryType);
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    EXPECT_EQ(doc.type(""), TLLM_JSON_OBJECT);
    EXPECT_EQ(doc.type("/n"), TLLM_JSON_NULL);
    EXPECT_EQ(doc.type("/t"), TLLM_JSON_BOOL);
    EXPECT_EQ(doc.type("/f"), TLLM_JSON_BOOL);
    EXPECT_EQ(doc.type("/i"), TLLM_JSON_NUMBER);
    EXPECT_EQ(doc.type("/d"), TLLM_JSON_NUMBER);
    EXPECT_EQ(doc.type("/s"), TLLM_JSON_STRING);
    EXPECT_EQ(doc.type("/a"), TLLM_JSON_ARRAY);
    EXPECT_EQ(doc.type("/a/2"), TLLM_JSON_OBJECT);
    EXPECT_EQ(doc.type("/o"), TLLM_JSON_OBJECT);
    EXPECT_EQ(doc.type("/missing"), TLLM_JSON_ABSENT);
    EXPECT_EQ(doc.type("/a/3"), TLLM_JSON_ABSENT);
    EXPECT_EQ(doc.type("/s/0"), TLLM_JSON_ABSENT); // a string has no elements
    EXPECT_EQ(doc.type(nullptr), TLLM_JSON_ABSENT);
    EXPECT_EQ(service().type(nullptr, ""), TLLM_JSON_ABSENT);
}

TEST(JsonServiceGetters, AStringsSizeCountsTheNulBytesInsideIt) {
    const Doc doc(R"({"s":"a\u0000b\u0000","e":"","u":"\u00e9t\u00e9","n":7})");
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    size_t size = 99;
    const char *s = service().string(doc.get(), "/s", &size);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(size, 4u);
    EXPECT_EQ(std::string(s, size), std::string("a\0b\0", 4));
    EXPECT_EQ(s[size], '\0'); // and terminated after them

    EXPECT_STREQ(service().string(doc.get(), "/e", &size), "");
    EXPECT_EQ(size, 0u);
    EXPECT_STREQ(service().string(doc.get(), "/u", &size), "\xc3\xa9t\xc3\xa9");
    EXPECT_EQ(size, 5u); // bytes, not characters
    EXPECT_STREQ(service().string(doc.get(), "/u", nullptr), "\xc3\xa9t\xc3\xa9"); // size optional

    // Not a string, or nothing there: NULL and the size left alone.
    size = 99;
    EXPECT_EQ(service().string(doc.get(), "/n", &size), nullptr);
    EXPECT_EQ(service().string(doc.get(), "/zz", &size), nullptr);
    EXPECT_EQ(service().string(doc.get(), "", &size), nullptr);
    EXPECT_EQ(size, 99u);

    // Valid until the document is freed: the same pointer every time.
    EXPECT_EQ(service().string(doc.get(), "/s", nullptr), s);
}

TEST(JsonServiceGetters, IntegerTakesNumbersWithNoFractionThatFitInt64) {
    const Doc doc(R"({"i":42,"neg":-7,"two":2.0,"k":1e3,"max":9223372036854775807,"big":9.22e18,)"
                  R"("min":-9223372036854775808,"half":2.5,"huge":1e300,)"
                  R"("p63":9223372036854775808,"p64":18446744073709551616,"s":"3","b":true})");
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    struct Case {
        const char *pointer;
        int64_t value;
    };
    for (const Case &c : {Case{"/i", 42}, Case{"/neg", -7}, Case{"/two", 2}, Case{"/k", 1000},
                          Case{"/big", 9220000000000000000}, // a double, whole and in range
                          Case{"/max", std::numeric_limits<int64_t>::max()},
                          Case{"/min", std::numeric_limits<int64_t>::min()}}) {
        int64_t out = 123456;
        EXPECT_EQ(service().integer(doc.get(), c.pointer, &out), 1) << c.pointer;
        EXPECT_EQ(out, c.value) << c.pointer;
    }
    // A fraction, too large for int64_t (2^63, 2^64, 1e300), not a number, or absent: zero,
    // and *out untouched.
    for (const char *pointer : {"/half", "/huge", "/p63", "/p64", "/s", "/b", "/nope", ""}) {
        int64_t out = 123456;
        EXPECT_EQ(service().integer(doc.get(), pointer, &out), 0) << pointer;
        EXPECT_EQ(out, 123456) << pointer;
    }
    EXPECT_EQ(service().integer(doc.get(), "/i", nullptr), 0);
}

TEST(JsonServiceGetters, NumberTakesAnyNumber) {
    const Doc doc(R"({"i":42,"half":2.5,"huge":1e300,"p64":18446744073709551616,"s":"1"})");
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    double out = 0;
    EXPECT_EQ(service().number(doc.get(), "/i", &out), 1);
    EXPECT_EQ(out, 42.0);
    EXPECT_EQ(service().number(doc.get(), "/half", &out), 1);
    EXPECT_EQ(out, 2.5);
    EXPECT_EQ(service().number(doc.get(), "/huge", &out), 1);
    EXPECT_EQ(out, 1e300);
    EXPECT_EQ(service().number(doc.get(), "/p64", &out), 1);
    EXPECT_EQ(out, 18446744073709551616.0);
    out = -1;
    EXPECT_EQ(service().number(doc.get(), "/s", &out), 0);
    EXPECT_EQ(service().number(doc.get(), "/nope", &out), 0);
    EXPECT_EQ(out, -1);
    EXPECT_EQ(service().number(doc.get(), "/i", nullptr), 0);
}

TEST(JsonServiceGetters, BooleanReadsTrueAndFalseOnly) {
    const Doc doc(R"({"t":true,"f":false,"one":1,"n":null,"s":"true"})");
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    int32_t out = 7;
    EXPECT_EQ(service().boolean(doc.get(), "/t", &out), 1);
    EXPECT_EQ(out, 1);
    out = 7;
    EXPECT_EQ(service().boolean(doc.get(), "/f", &out), 1);
    EXPECT_EQ(out, 0);
    out = 7;
    for (const char *pointer : {"/one", "/n", "/s", "/nope"}) {
        EXPECT_EQ(service().boolean(doc.get(), pointer, &out), 0) << pointer;
    }
    EXPECT_EQ(out, 7);
    EXPECT_EQ(service().boolean(doc.get(), "/t", nullptr), 0);
}

TEST(JsonServiceGetters, CountAndKeysFollowTheDocument) {
    const Doc doc(R"({"zeta":1,"alpha":[1,2,3],"mid":{"y":1,"x":2},"s":"abc","e":{}})");
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    EXPECT_EQ(doc.count(""), 5u);
    EXPECT_EQ(doc.count("/alpha"), 3u);
    EXPECT_EQ(doc.count("/mid"), 2u);
    EXPECT_EQ(doc.count("/e"), 0u);
    EXPECT_EQ(doc.count("/s"), 0u);    // a string has no elements
    EXPECT_EQ(doc.count("/zeta"), 0u); // nor a number
    EXPECT_EQ(doc.count("/nope"), 0u);

    // Names in document order, not sorted.
    std::vector<std::string> keys;
    for (size_t i = 0; i < doc.count(""); ++i) {
        const char *key = service().key(doc.get(), "", i);
        ASSERT_NE(key, nullptr) << i;
        keys.emplace_back(key);
    }
    EXPECT_THAT(keys, ::testing::ElementsAre("zeta", "alpha", "mid", "s", "e"));
    EXPECT_STREQ(service().key(doc.get(), "/mid", 0), "y");
    EXPECT_STREQ(service().key(doc.get(), "/mid", 1), "x");
    // Out of range, not an object, or nothing there: NULL.
    EXPECT_EQ(service().key(doc.get(), "/mid", 2), nullptr);
    EXPECT_EQ(service().key(doc.get(), "", SIZE_MAX), nullptr);
    EXPECT_EQ(service().key(doc.get(), "/e", 0), nullptr);
    EXPECT_EQ(service().key(doc.get(), "/alpha", 0), nullptr);
    EXPECT_EQ(service().key(doc.get(), "/nope", 0), nullptr);
}

TEST(JsonServiceGetters, PointersFollowRfc6901) {
    const Doc doc(R"({"a/b":1,"m~n":2,"":3,"~1":4,"x":{"y":[10,20]},"0":5})");
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    const auto integer_at = [&](const char *pointer) -> int64_t {
        int64_t out = -1;
        return service().integer(doc.get(), pointer, &out) ? out : -1;
    };
    EXPECT_EQ(integer_at("/a~1b"), 1); // ~1 is '/'
    EXPECT_EQ(integer_at("/m~0n"), 2); // ~0 is '~'
    EXPECT_EQ(integer_at("/~01"), 4);  // "~1" itself: ~0 first, then the 1
    EXPECT_EQ(integer_at("/"), 3);     // the member named ""
    EXPECT_EQ(integer_at("/x/y/0"), 10);
    EXPECT_EQ(integer_at("/x/y/1"), 20);
    EXPECT_EQ(integer_at("/0"), 5);            // a digit is a member name in an object
    EXPECT_EQ(doc.type(""), TLLM_JSON_OBJECT); // "" is the whole document
    EXPECT_EQ(doc.write(""), R"({"a/b":1,"m~n":2,"":3,"~1":4,"x":{"y":[10,20]},"0":5})");

    // Names taken literally are not found; malformed pointers find nothing either.
    for (const char *pointer : {"/a/b",   // two tokens, "a" and "b"
                                "/m~n",   // an unescaped '~'
                                "/m~2n",  // ~2 is no escape
                                "x",      // no leading '/'
                                "x/y",    // the same
                                "abc",    // the same
                                "#/x",    // the URI fragment form is not a string pointer
                                "#",      // the same
                                "/x/y/2", // past the end
                                "/x/y/-", // the element after the last
                                "/x/y/a", // not an index
                                "/x/z"}) {
        EXPECT_EQ(doc.type(pointer), TLLM_JSON_ABSENT) << pointer;
        EXPECT_EQ(doc.write(pointer), "<absent>") << pointer;
        EXPECT_EQ(doc.count(pointer), 0u) << pointer;
    }
}

TEST(JsonServiceGetters, ADocumentIsReadFromSeveralThreadsAtOnce) {
    const Doc doc(R"({"list":[{"name":"a","n":1},{"name":"b","n":2},{"name":"c","n":3}]})");
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    std::atomic<int> right{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i) {
                const std::string at = "/list/" + std::to_string(i % 3);
                int64_t n = 0;
                const char *name = service().string(doc.get(), (at + "/name").c_str(), nullptr);
                if (service().integer(doc.get(), (at + "/n").c_str(), &n) && n == i % 3 + 1 &&
                    name != nullptr && name[0] == 'a' + i % 3) {
                    ++right;
                }
            }
        });
    }
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(right.load(), 2000);
}

// ---- write, quote, free -------------------------------------------------------------------

TEST(JsonServiceWrite, WritesTheValueAtThePointerAsCompactJson) {
    const Doc doc("{ \"a\" : [ 1 , 2.5 , \"x\\u0000y\" , { \"k\" : null } ] ,\n \"t\": true }");
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    EXPECT_EQ(doc.write(""), R"({"a":[1,2.5,"x\u0000y",{"k":null}],"t":true})");
    EXPECT_EQ(doc.write("/a"), R"([1,2.5,"x\u0000y",{"k":null}])");
    EXPECT_EQ(doc.write("/a/2"), R"("x\u0000y")"); // a string as JSON, quotes included
    EXPECT_EQ(doc.write("/a/3/k"), "null");
    EXPECT_EQ(doc.write("/t"), "true");
    EXPECT_EQ(doc.write("/zz"), "<absent>");
    EXPECT_EQ(service().write(nullptr, ""), nullptr);
}

TEST(JsonServiceQuote, MakesAJsonStringLiteralOfAnyText) {
    EXPECT_EQ(quoted("plain", SIZE_MAX), R"("plain")");
    EXPECT_EQ(quoted("", SIZE_MAX), R"("")");
    EXPECT_EQ(quoted("say \"hi\"\\", SIZE_MAX), R"("say \"hi\"\\")");
    EXPECT_EQ(quoted("a\nb\tc\rd\be\ff", SIZE_MAX), R"("a\nb\tc\rd\be\ff")");
    EXPECT_EQ(quoted("\x01\x1f", SIZE_MAX), R"("\u0001\u001F")");
    EXPECT_EQ(quoted("caf\xc3\xa9 / \x7f", SIZE_MAX), "\"caf\xc3\xa9 / \x7f\""); // as they are

    // An explicit size: NUL bytes are text like any other, and nothing after `size` is read.
    const char with_nuls[] = {'a', '\0', 'b', '\0'};
    EXPECT_EQ(quoted(with_nuls, sizeof with_nuls), R"("a\u0000b\u0000")");
    EXPECT_EQ(quoted(with_nuls, SIZE_MAX), R"("a")"); // SIZE_MAX: up to the first NUL
    EXPECT_EQ(quoted("abcdef", 3), R"("abc")");
    EXPECT_EQ(quoted("abcdef", 0), R"("")");
    EXPECT_EQ(quoted(nullptr, SIZE_MAX), "<null>");
    EXPECT_EQ(quoted(nullptr, 0), "<null>");

    // What quote writes, parse reads back byte for byte.
    const std::string nasty = std::string("\"\\\0\n\x01 \xe2\x82\xac", 9);
    char *literal = service().quote(nasty.data(), nasty.size());
    ASSERT_NE(literal, nullptr);
    const Doc back(literal);
    service().free_text(literal);
    ASSERT_NE(back.get(), nullptr) << back.error;
    size_t size = 0;
    const char *text = service().string(back.get(), "", &size);
    ASSERT_NE(text, nullptr);
    EXPECT_EQ(std::string(text, size), nasty);
}

TEST(JsonServiceFree, NullIsIgnored) {
    service().free(nullptr);
    service().free_text(nullptr);
}

// ---- set and remove (2.3) -----------------------------------------------------------------

TEST(JsonServiceSet, ReplacesAddsAndInsertsTheWayJsonPatchAddDoes) {
    Doc doc(R"({"a":{"b":1},"l":[1,2,3],"s":"x"})");
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    EXPECT_EQ(doc.set("/a/b", "2"), "");        // an existing member: replaced
    EXPECT_EQ(doc.set("/a/c", R"("new")"), ""); // a missing member: added, at the end
    EXPECT_EQ(doc.write("/a"), R"({"b":2,"c":"new"})");
    EXPECT_EQ(doc.set("/l/0", "0"), ""); // an index: inserted before that element
    EXPECT_EQ(doc.set("/l/2", R"({"k":[true]})"), "");
    EXPECT_EQ(doc.write("/l"), R"([0,1,{"k":[true]},2,3])");
    EXPECT_EQ(doc.set("/l/5", "5"), ""); // the size: at the end
    EXPECT_EQ(doc.set("/l/-", "6"), ""); // "-": at the end
    EXPECT_EQ(doc.write("/l"), R"([0,1,{"k":[true]},2,3,5,6])");
    EXPECT_EQ(doc.set("/l/2/k/0", "false"), ""); // deep inside what an earlier set put
    EXPECT_EQ(doc.write("/l/2"), R"({"k":[false,true]})");
    EXPECT_EQ(doc.set("/s", "[1, 2]"), ""); // a value of another type replaces it just the same
    EXPECT_EQ(doc.type("/s"), TLLM_JSON_ARRAY);
    // Escaped names: "a/b" and "m~n"; and the member named "".
    EXPECT_EQ(doc.set("/a~1b", "1"), "");
    EXPECT_EQ(doc.set("/m~0n", "2"), "");
    EXPECT_EQ(doc.set("/", "3"), "");
    EXPECT_EQ(doc.write(""), R"({"a":{"b":2,"c":"new"},"l":[0,1,{"k":[false,true]},2,3,5,6],)"
                             R"("s":[1,2],"a/b":1,"m~n":2,"":3})");
    size_t size = 0;
    EXPECT_STREQ(service().key(doc.get(), "", 3), "a/b");
    EXPECT_STREQ(service().string(doc.get(), "/a/c", &size), "new");
    EXPECT_EQ(size, 3u);
    // "": the whole document.
    EXPECT_EQ(doc.set("", R"({"fresh":true})"), "");
    EXPECT_EQ(doc.write(""), R"({"fresh":true})");
    EXPECT_EQ(doc.set("", "7"), "");
    EXPECT_EQ(doc.write(""), "7");
}

TEST(JsonServiceSet, TheValueIsReadWithItsSizeOrToItsNul) {
    Doc doc(R"({"a":0})");
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    char error[128] = "";
    EXPECT_EQ(service().set(doc.edit(), "/a", "12345", 2, error, sizeof error), TLLM_OK) << error;
    EXPECT_EQ(doc.write("/a"), "12");
    const char unterminated[] = {'[', '"', 'x', '"', ']'};
    EXPECT_EQ(
        service().set(doc.edit(), "/b", unterminated, sizeof unterminated, error, sizeof error),
        TLLM_OK)
        << error;
    EXPECT_EQ(doc.write("/b"), R"(["x"])");
    EXPECT_EQ(service().set(doc.edit(), "/c", R"({"n":null})", SIZE_MAX, error, sizeof error),
              TLLM_OK)
        << error;
    EXPECT_EQ(doc.write(""), R"({"a":12,"b":["x"],"c":{"n":null}})");
}

TEST(JsonServiceRemove, DeletesAMemberOrAnElement) {
    Doc doc(R"({"a":1,"b":{"c":2,"d":3},"l":["x","y","z"],"e":4})");
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    EXPECT_EQ(doc.remove("/b/c"), "");
    EXPECT_EQ(doc.remove("/l/0"), ""); // later elements move down
    EXPECT_EQ(doc.write("/l/0"), R"("y")");
    EXPECT_EQ(doc.remove("/a"), ""); // the other members keep their order
    EXPECT_EQ(doc.write(""), R"({"b":{"d":3},"l":["y","z"],"e":4})");
    EXPECT_EQ(doc.remove("/l/1"), "");
    EXPECT_EQ(doc.remove("/l/0"), "");
    EXPECT_EQ(doc.remove("/b"), "");
    EXPECT_EQ(doc.write(""), R"({"l":[],"e":4})");
}

// Every refusal is TLLM_ERR_INVALID_ARGUMENT with its reason, and leaves the document as it was.
TEST(JsonServiceEdits, EachRefusalSaysWhyAndChangesNothing) {
    const std::string text = R"({"a":{"b":1},"l":[1,2],"s":"t","n":null})";
    Doc doc(text);
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    struct Case {
        const char *pointer;
        const char *value; // null: remove
        const char *reason;
    };
    const Case cases[] = {
        // A malformed pointer.
        {"a", "1", "malformed pointer \"a\": a JSON Pointer is \"\" or starts with '/'"},
        {"#/a", "1", "malformed pointer \"#/a\""},
        {"/a/~2", "1", "malformed pointer \"/a/~2\": '~' must be followed by 0 or 1"},
        {"/a~", nullptr, "'~' must be followed by 0 or 1"},
        // A malformed value.
        {"/a/b", "{", "malformed value: invalid JSON at line 1 column 2: Missing a name"},
        {"/a/b", "", "malformed value: invalid JSON at line 1 column 1: The document is empty."},
        {"/a/b", "1 2", "The document root must not be followed by other values"},
        // A parent that does not exist, or holds no values.
        {"/x/y", "1", "no parent for /x/y: nothing at /x"},
        {"/x/y", nullptr, "no parent for /x/y: nothing at /x"},
        {"/l/5/y", "1", "no parent for /l/5/y: nothing at /l/5"},
        {"/a/b/c", "1", "no parent for /a/b/c: /a/b is a number, not an object or array"},
        {"/s/0", "1", "no parent for /s/0: /s is a string, not an object or array"},
        {"/n/k", nullptr, "no parent for /n/k: /n is null, not an object or array"},
        {"/s/0/k", "1", "no parent for /s/0/k: /s is a string, not an object or array"},
        // An index out of range, or that is no index.
        {"/l/3", "1", "index out of range at /l/3: the array has 2 elements"},
        {"/l/99999999999999999999", "1", "index out of range at /l/99999999999999999999"},
        {"/l/2", nullptr, "index out of range at /l/2: the array has 2 elements"},
        {"/l/-", nullptr, "index out of range at /l/-: \"-\" names no element"},
        {"/l/01", "1", "malformed array index \"01\" at /l/01"},
        {"/l/x", nullptr, "malformed array index \"x\" at /l/x"},
        {"/l/", "1", "malformed array index \"\" at /l/"},
        // Nothing to remove; the document itself.
        {"/a/zz", nullptr, "nothing to remove at /a/zz: the object has no member \"zz\""},
        {"", nullptr, "cannot remove the document itself"},
    };
    for (const Case &c : cases) {
        const std::string reason =
            c.value != nullptr ? doc.set(c.pointer, c.value) : doc.remove(c.pointer);
        EXPECT_THAT(reason, HasSubstr(c.reason))
            << (c.value != nullptr ? "set " : "remove ") << c.pointer;
        EXPECT_EQ(doc.write(""), text) << c.pointer;
    }
    // No document, pointer or value; a message cut to the buffer and terminated.
    char error[16];
    std::memset(error, 'x', sizeof error);
    EXPECT_EQ(service().set(nullptr, "/a", "1", SIZE_MAX, error, sizeof error),
              TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(error, "no document");
    EXPECT_EQ(service().set(doc.edit(), nullptr, "1", SIZE_MAX, error, sizeof error),
              TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(error, "no pointer");
    EXPECT_EQ(service().set(doc.edit(), "/a", nullptr, SIZE_MAX, error, sizeof error),
              TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(error, "no value");
    EXPECT_EQ(service().remove(nullptr, "/a", error, sizeof error), TLLM_ERR_INVALID_ARGUMENT);
    std::memset(error, 'x', sizeof error);
    EXPECT_EQ(service().remove(doc.edit(), "/zz", error, 8), TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(error, "nothing");
    EXPECT_EQ(error[8], 'x');
    EXPECT_EQ(service().remove(doc.edit(), "/zz", nullptr, 0), TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(doc.write(""), text);
}

TEST(JsonServiceSet, TheDocumentStaysWithin512Levels) {
    Doc doc(R"({"a":[]})");
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    // The value sits in 2 containers (the document, /a): 510 more levels fit, 511 do not.
    EXPECT_THAT(doc.set("/a/0", nested_arrays(511)),
                HasSubstr("the value would nest the document deeper than 512 levels (at most "
                          "510 fit at /a/0)"));
    EXPECT_EQ(doc.write(""), R"({"a":[]})");
    EXPECT_EQ(doc.set("/a/0", nested_arrays(510)), "");
    std::string deepest = "/a";
    for (int i = 0; i < 510; ++i)
        deepest += "/0";
    EXPECT_EQ(doc.type(deepest.c_str()), TLLM_JSON_ARRAY); // level 512
    // Deeper still: refused, not a stack overflow.
    EXPECT_THAT(doc.set("", nested_arrays(200000)), HasSubstr("deeper than 512 levels"));
    EXPECT_EQ(doc.set("", nested_arrays(512)), "");
    // Beside the innermost array (in the 511th level): one more level fits, two do not.
    std::string inner;
    for (int i = 0; i < 511; ++i)
        inner += "/0";
    EXPECT_THAT(doc.set(inner.c_str(), "[[]]"), HasSubstr("(at most 1 fit at /0/0/"));
    EXPECT_EQ(doc.set(inner.c_str(), "[]"), "");
    EXPECT_EQ(doc.set(inner.c_str(), "1"), ""); // a scalar adds no level
    EXPECT_EQ(doc.count((inner.substr(2)).c_str()), 3u);
}

// A plugin keeps the strings it read (the C ABI's promise: valid until the document is freed)
// while it edits the document: replaced, moved and removed values leave them as they were, short
// ones included.
TEST(JsonServiceEdits, StringsReadBeforeAnEditStayValid) {
    Doc doc(R"({"s":"short","l":["x","a string too long to sit inside a value","y"],)"
            R"("o":{"k":"v","name":"node"}})");
    ASSERT_NE(doc.get(), nullptr) << doc.error;
    const char *s = service().string(doc.get(), "/s", nullptr);
    const char *x = service().string(doc.get(), "/l/0", nullptr);
    const char *longer = service().string(doc.get(), "/l/1", nullptr);
    const char *y = service().string(doc.get(), "/l/2", nullptr);
    const char *v = service().string(doc.get(), "/o/k", nullptr);
    const char *k = service().key(doc.get(), "/o", 0);
    const char *name = service().key(doc.get(), "/o", 1);
    ASSERT_TRUE(s && x && longer && y && v && k && name);

    EXPECT_EQ(doc.set("/s", R"("replaced")"), "");
    EXPECT_EQ(doc.set("/l/0", R"("inserted")"), ""); // every element moves up
    for (int i = 0; i < 64; ++i)                     // the array grows: its storage moves
        EXPECT_EQ(doc.set("/l/-", R"("more")"), "");
    EXPECT_EQ(doc.remove("/l/1"), ""); // "x" removed, the others move down
    EXPECT_EQ(doc.remove("/o/k"), ""); // "name" moves into its place
    for (int i = 0; i < 64; ++i)
        EXPECT_EQ(doc.set(("/o/m" + std::to_string(i)).c_str(), "0"), "");
    EXPECT_EQ(doc.set("", "[]"), ""); // and the whole document replaced

    EXPECT_STREQ(s, "short");
    EXPECT_STREQ(x, "x");
    EXPECT_STREQ(longer, "a string too long to sit inside a value");
    EXPECT_STREQ(y, "y");
    EXPECT_STREQ(v, "v");
    EXPECT_STREQ(k, "k");
    EXPECT_STREQ(name, "name");
    EXPECT_EQ(doc.write(""), "[]");
}

// The C++ helper (plugin.hpp): Json::set and Json::remove throw the host's reason, and a host
// whose table predates 2.3 is "unsupported", never called.
TEST(JsonServiceEdits, TheCppHelperThrowsTheReasonAndKnowsOlderHosts) {
    tinyllm::sdk::Json doc = tinyllm::sdk::Json::parse(&service(), R"({"nodes":[{"id":"a"}]})");
    doc.set("/nodes/0/retry", R"({"max_attempts":2})");
    doc.set("/nodes/-", R"({"id":"b"})");
    doc.remove("/nodes/0/id");
    EXPECT_EQ(doc.write().value_or(""), R"({"nodes":[{"retry":{"max_attempts":2}},{"id":"b"}]})");
    try {
        doc.set("/graph/nodes", "[]");
        ADD_FAILURE() << "set into a missing parent did not throw";
    } catch (const tinyllm::sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_INVALID_ARGUMENT);
        EXPECT_STREQ(e.what(), "cannot set /graph/nodes: no parent for /graph/nodes: nothing at "
                               "/graph");
    }

    tllm_json_service_v1 older = service(); // a 2.2 host's table: it ends before set
    older.struct_size = offsetof(tllm_json_service_v1, set);
    tinyllm::sdk::Json old_doc = tinyllm::sdk::Json::parse(&older, R"({"a":1})");
    for (const bool removing : {false, true}) {
        try {
            removing ? old_doc.remove("/a") : old_doc.set("/a", "2");
            ADD_FAILURE() << "an edit through a 2.2 table did not throw";
        } catch (const tinyllm::sdk::Error &e) {
            EXPECT_EQ(e.status(), TLLM_ERR_UNSUPPORTED);
            EXPECT_THAT(e.what(), HasSubstr("predates SDK 2.3"));
        }
    }
    EXPECT_EQ(old_doc.write().value_or(""), R"({"a":1})");
}

// ---- c_json: a node in C that reads JSON through the service only ---------------------------

const plugin::Registry &good_plugins() {
    return host_test::good_plugins();
}

// A message with a value of every type under /data.
constexpr const char *kMessage =
    R"({"input":"q","content":"q","route":"","attempt":1,"data":{)"
    R"("items":[{"name":"first"},{"name":"b\u0000c","tags":["x","y"]}],)"
    R"("two":2.0,"half":2.5,"yes":true,"nothing":null,"list":[1,[2],{}],)"
    R"("obj":{"zed":1,"alpha":{"deep":[true]}},"a/b~":"escaped"}})";

class CJsonNode : public ::testing::Test {
protected:
    // The c_json node with {"pointer": pointer, "mode": mode}, created and activated.
    std::unique_ptr<Node> node(const std::string &pointer, const std::string &mode = "value") {
        const plugin::ComponentRef ref = good_plugins().find(TLLM_KIND_NODE, "c_json");
        if (ref.component == nullptr) {
            ADD_FAILURE() << "no c_json in " << host_test::good_dir();
            return nullptr;
        }
        json::Document config(rapidjson::kObjectType);
        auto &a = config.GetAllocator();
        config.AddMember("pointer", json::string_value(pointer, a), a);
        config.AddMember("mode", json::string_value(mode, a), a);
        auto made = std::make_unique<Node>("j", ref, json::to_string(config), nullptr);
        CallContext activation(CancelToken(), std::nullopt, {});
        made->activate(activation);
        return made;
    }
    // The output of one process call.
    std::string process(const std::string &pointer, const std::string &mode,
                        const std::string &message = kMessage) {
        auto n = node(pointer, mode);
        if (!n) return {};
        CallContext call(CancelToken(), std::nullopt, {});
        return n->process(call, message);
    }
};

TEST_F(CJsonNode, ValueModeSetsContentToTheValueAndRoutesByItsType) {
    // A string as it is, NUL byte included.
    EXPECT_EQ(process("/data/items/1/name", "value"),
              R"({"set":{"content":"b\u0000c"},"route":"string"})");
    // Anything else as compact JSON text.
    EXPECT_EQ(process("/data/items/1", "value"),
              R"({"set":{"content":"{\"name\":\"b\\u0000c\",\"tags\":[\"x\",\"y\"]}"},)"
              R"("route":"object"})");
    EXPECT_EQ(process("/data/list", "value"),
              R"({"set":{"content":"[1,[2],{}]"},"route":"array"})");
    EXPECT_EQ(process("/data/half", "value"), R"({"set":{"content":"2.5"},"route":"number"})");
    EXPECT_EQ(process("/data/yes", "value"), R"({"set":{"content":"true"},"route":"boolean"})");
    EXPECT_EQ(process("/data/nothing", "value"), R"({"set":{"content":"null"},"route":"null"})");
    EXPECT_EQ(process("/data/a~1b~0", "value"),
              R"({"set":{"content":"escaped"},"route":"string"})");
    EXPECT_EQ(process("/attempt", "value"), R"({"set":{"content":"1"},"route":"number"})");
}

TEST_F(CJsonNode, SummaryModeSaysWhatTheTypedGettersRead) {
    struct Case {
        const char *pointer;
        const char *content;
        const char *route;
    };
    for (const Case &c : {
             Case{"/data/items/1/name", "string:3", "string"}, // the NUL byte counts
             Case{"/data/two", "integer:2", "number"},         // 2.0 is an integer
             Case{"/data/half", "number:2.5", "number"},
             Case{"/data/yes", "boolean:true", "boolean"},
             Case{"/data/nothing", "null", "null"},
             Case{"/data/list", "array:3", "array"},
             Case{"/data/obj", "object:2:zed,alpha", "object"}, // keys in document order
             Case{"/data/items/1/tags/1", "string:1", "string"},
             Case{"", "object:5:input,content,route,attempt,data", "object"},
         }) {
        EXPECT_EQ(process(c.pointer, "summary"), std::string(R"({"set":{"content":")") + c.content +
                                                     R"("},"route":")" + c.route + R"("})")
            << c.pointer;
    }
}

TEST_F(CJsonNode, NothingAtThePointerIsAnInvalidArgumentNamingIt) {
    for (const char *pointer : {"/data/items/2/name", "/data/missing", "data/items"}) {
        auto n = node(pointer, "value");
        ASSERT_TRUE(n);
        CallContext call(CancelToken(), std::nullopt, {});
        const auto e = error_of([&] { n->process(call, kMessage); });
        ASSERT_TRUE(e) << pointer;
        EXPECT_EQ(e->code(), ErrorCode::invalid_argument) << pointer;
        EXPECT_EQ(std::string(e->what()), std::string("c_json: nothing at \"") + pointer + "\"");
    }
    // The pointer is quoted by the service, so what it holds cannot break the message.
    auto odd = node("/say \"hi\"\n");
    ASSERT_TRUE(odd);
    CallContext call(CancelToken(), std::nullopt, {});
    const auto e = error_of([&] { odd->process(call, kMessage); });
    ASSERT_TRUE(e);
    EXPECT_STREQ(e->what(), R"(c_json: nothing at "/say \"hi\"\n")");
}

TEST_F(CJsonNode, AMessageThatIsNotJsonIsRefusedWithTheParsersReason) {
    auto n = node("/content");
    ASSERT_TRUE(n);
    CallContext call(CancelToken(), std::nullopt, {});
    const auto e = error_of([&] { n->process(call, R"({"content":)"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::invalid_argument);
    EXPECT_THAT(e->what(), StartsWith("c_json: the message: JSON: invalid JSON at line 1 column "));
}

TEST_F(CJsonNode, ItsConfigIsReadThroughTheServiceInCreate) {
    const plugin::ComponentRef ref = good_plugins().find(TLLM_KIND_NODE, "c_json");
    ASSERT_NE(ref.component, nullptr);
    // Without the schema's defaults filled in, "mode" is missing: create refuses the config.
    const auto e = error_of([&] { Node("j", ref, R"({"pointer":"/a"})", nullptr); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), ErrorCode::config);
    EXPECT_EQ(std::string(e->what()), "node j (c_json): create failed: the config has no "
                                      "\"pointer\" or no \"mode\" string");
}

} // namespace
} // namespace tinyllm::runtime
