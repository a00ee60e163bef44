// The edge-condition language (graph/condition.hpp): evaluation of every operator against a
// message, precedence and associativity, canonical forms, fields, and every parse error with its
// offset. Mostly tables: one line per case.
#include "graph/condition.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <ostream>
#include <string>
#include <vector>

// Counts the allocations of the whole test binary, so a test can show that evaluation makes none.
// (Not inlined, so that the compiler pairs the calls as new/delete rather than malloc/free.)
namespace {
std::atomic<size_t> allocations{0};
}
[[gnu::noinline]] void *operator new(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void *p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void *p) noexcept {
    std::free(p);
}
[[gnu::noinline]] void operator delete(void *p, std::size_t) noexcept {
    std::free(p);
}
// The nothrow form too (std::stable_sort's temporary buffer uses it): every new this binary
// makes must come from malloc, since every delete here is free.
[[gnu::noinline]] void *operator new(std::size_t size, const std::nothrow_t &) noexcept {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}
[[gnu::noinline]] void operator delete(void *p, const std::nothrow_t &) noexcept {
    std::free(p);
}

namespace tinyllm::graph {
namespace {

// The message every evaluation case runs against.
constexpr const char *message_text = R"({
  "input": "2+2?", "content": "4", "route": "math", "gate": "fail", "attempt": 1,
  "score": 0.8, "one_f": 1.0, "zero": 0, "zero_f": 0.0, "neg": -5,
  "big": 18446744073709551615, "huge": 9223372036854775807,
  "empty": "", "empty_list": [], "empty_obj": {}, "nothing": null, "yes": true, "no": false,
  "name": "héllo wörld", "cjk": "日本語", "emoji": "🙂", "quote": "say \"hi\"\n",
  "tags": ["chat", "math"], "pair": [1, "a"],
  "data": {"score": 0.8, "confident": false, "tags": ["a", "b", 1, null, [1, 2], {"k": "v"}],
           "obj": {"k": "v"}, "nested": {"deep": {"x": 42}}}
})";

const json::Document &message() {
    static const json::Document doc = json::parse_object(message_text, "test message");
    return doc;
}

struct EvalCase {
    const char *text;
    bool expected;
};
std::ostream &operator<<(std::ostream &os, const EvalCase &c) {
    return os << "'" << c.text << "' -> " << std::boolalpha << c.expected;
}

class Evaluate : public testing::TestWithParam<EvalCase> {};

TEST_P(Evaluate, AgainstTheMessage) {
    const Condition condition = Condition::parse(GetParam().text);
    EXPECT_EQ(condition.evaluate(message()), GetParam().expected) << condition.to_string();
    // The canonical form means the same thing and is a fixed point.
    const Condition again = Condition::parse(condition.to_string());
    EXPECT_EQ(again.evaluate(message()), GetParam().expected) << again.to_string();
    EXPECT_EQ(again.to_string(), condition.to_string());
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Equality, Evaluate, testing::Values(
    EvalCase{R"(route == "math")", true},
    EvalCase{R"(route == 'math')", true},
    EvalCase{R"(route == "chat")", false},
    EvalCase{R"(route != "chat")", true},
    EvalCase{R"(route != "math")", false},
    EvalCase{R"("math" == route)", true},
    EvalCase{"attempt == 1", true},
    EvalCase{"attempt == 1.0", true},          // int == decimal
    EvalCase{"one_f == 1", true},
    EvalCase{"score == 0.8", true},
    EvalCase{R"(attempt == "1")", false},      // types differ
    EvalCase{R"(content == 4)", false},
    EvalCase{R"(attempt != "1")", true},
    EvalCase{"neg == -5", true},
    EvalCase{"big == 18446744073709551615", true},
    EvalCase{"big == -1", false},              // not confused by the bit pattern
    EvalCase{"huge == 9223372036854775807", true},
    EvalCase{"huge != 9223372036854775806", true},
    EvalCase{"zero == -0", true},
    EvalCase{"zero_f == 0", true},
    EvalCase{"zero == false", false},
    EvalCase{"yes == true", true},
    EvalCase{"no == false", true},
    EvalCase{"yes == 1", false},
    EvalCase{"nothing == null", true},
    EvalCase{"missing == null", true},         // a missing field is null
    EvalCase{"missing != null", false},
    EvalCase{R"(missing == "")", false},
    EvalCase{"nothing == false", false},
    EvalCase{R"(tags == ["chat", "math"])", true},
    EvalCase{R"(tags == ["math", "chat"])", false},
    EvalCase{R"(tags == ["chat"])", false},
    EvalCase{"empty_list == []", true},
    EvalCase{"pair == [1.0, 'a']", true},
    EvalCase{"data.obj == data.obj", true},
    EvalCase{"data.obj == empty_obj", false},
    EvalCase{"empty_obj == empty_obj", true},
    EvalCase{"data.tags == data.tags", true},
    EvalCase{"route == route", true},
    EvalCase{"route == gate", false},
    EvalCase{"1 == 1", true},
    EvalCase{"null == null", true}));
// clang-format on

// clang-format off
INSTANTIATE_TEST_SUITE_P(Ordering, Evaluate, testing::Values(
    EvalCase{"attempt < 3", true},
    EvalCase{"attempt < 1", false},
    EvalCase{"attempt <= 1", true},
    EvalCase{"attempt > 0", true},
    EvalCase{"attempt > 1", false},
    EvalCase{"attempt >= 1", true},
    EvalCase{"attempt >= 1.5", false},
    EvalCase{"score > 0.5", true},
    EvalCase{"score < 0.8", false},
    EvalCase{"score <= 0.8", true},
    EvalCase{"data.score >= 0.75", true},
    EvalCase{"neg < -4", true},
    EvalCase{"neg < 0.5", true},
    EvalCase{"big > huge", true},              // beyond int64
    EvalCase{"neg < big", true},
    EvalCase{"big > neg", true},
    EvalCase{"-1e3 < neg", true},
    EvalCase{"2.5E-1 < score", true},
    EvalCase{R"(route < "mb")", true},
    EvalCase{R"(route > "ma")", true},
    EvalCase{R"(route >= "math")", true},
    EvalCase{R"(route <= "mat")", false},
    EvalCase{R"("" < route)", true},
    EvalCase{R"(route > "Math")", true},       // bytes: 'm' > 'M'
    EvalCase{R"(name > "hz")", true},          // UTF-8 bytes order like code points
    EvalCase{R"(cjk > "z")", true},
    EvalCase{R"(attempt < "3")", false},       // mixed types: always false, both ways
    EvalCase{R"(attempt >= "3")", false},
    EvalCase{"missing < 3", false},
    EvalCase{"missing >= 3", false},
    EvalCase{"yes > false", false},
    EvalCase{"null <= null", false},
    EvalCase{"tags < tags", false},
    EvalCase{"data > 1", false}));
// clang-format on

// clang-format off
INSTANTIATE_TEST_SUITE_P(Membership, Evaluate, testing::Values(
    EvalCase{R"(route in ["chat", "math"])", true},
    EvalCase{R"(route in ['chat', 'other'])", false},
    EvalCase{R"(route not in ["chat", "other"])", true},
    EvalCase{R"(route not in ["math"])", false},
    EvalCase{"route in []", false},
    EvalCase{"route not in []", true},
    EvalCase{"attempt in [1, 2, 3]", true},
    EvalCase{"attempt in [1.0]", true},
    EvalCase{R"(attempt in ["1"])", false},
    EvalCase{"nothing in [null]", true},
    EvalCase{"missing in [null, 1]", true},
    EvalCase{"[1, 2] in [[1, 2], 3]", true},
    EvalCase{R"("math" in tags)", true},       // array field
    EvalCase{R"("other" in tags)", false},
    EvalCase{R"("a" in data.tags)", true},
    EvalCase{"1 in data.tags", true},
    EvalCase{"null in data.tags", true},
    EvalCase{"[1, 2] in data.tags", true},
    EvalCase{"data.obj in data.tags", true},
    EvalCase{R"("ath" in route)", true},       // substring
    EvalCase{R"("hat" in route)", false},
    EvalCase{R"("" in route)", true},
    EvalCase{R"("wör" in name)", true},
    EvalCase{R"("本" in cjk)", true},
    EvalCase{R"("🙂" in emoji)", true},
    EvalCase{R"("x" not in route)", true},
    EvalCase{R"("hi" in quote)", true},
    EvalCase{"route in route", true},
    EvalCase{"1 in attempt", false},           // not a container
    EvalCase{"1 not in attempt", true},
    EvalCase{R"("k" in data.obj)", false},     // objects are not containers
    EvalCase{R"("x" in missing)", false},
    EvalCase{"attempt in content", false},     // number in string: no substring
    EvalCase{"route in (tags)", true}));
// clang-format on

// clang-format off
INSTANTIATE_TEST_SUITE_P(Boolean, Evaluate, testing::Values(
    EvalCase{R"(gate == "fail" and attempt < 3)", true},
    EvalCase{R"(gate == "fail" and attempt > 3)", false},
    EvalCase{R"(gate == "pass" and attempt < 3)", false},
    EvalCase{R"(gate == "pass" or attempt < 3)", true},
    EvalCase{R"(gate == "pass" or attempt > 3)", false},
    EvalCase{R"(route in ["chat", "other"] or not data.confident)", true},
    EvalCase{R"(gate == "fail" && attempt < 3)", true},
    EvalCase{R"(gate == "pass" || attempt < 3)", true},
    EvalCase{"not yes", false},
    EvalCase{"not no", true},
    EvalCase{"!no", true},
    EvalCase{"!!no", false},
    EvalCase{"not not yes", true},
    EvalCase{"not missing", true},
    EvalCase{"! (attempt == 1)", false},
    EvalCase{"not (attempt == 2)", true},
    EvalCase{"yes and yes and yes", true},
    EvalCase{"yes and yes and no", false},
    EvalCase{"no or no or yes", true},
    EvalCase{"no or no or no", false},
    // Precedence: and binds tighter than or.
    EvalCase{"yes or no and no", true},         // yes or (no and no)
    EvalCase{"(yes or no) and no", false},
    EvalCase{"no and no or yes", true},         // (no and no) or yes
    EvalCase{"no and (no or yes)", false},
    // Comparison binds tighter than and/or.
    EvalCase{"attempt == 1 and route == 'math'", true},
    EvalCase{"attempt == 2 or route == 'math'", true},
    // not binds tighter than comparison.
    EvalCase{"not attempt == false", true},     // (not attempt) == false
    EvalCase{"not route == 'math'", false},     // (not route) == "math": bool vs string
    EvalCase{"not (route == 'math')", false},
    EvalCase{"not no == true", true},
    EvalCase{"!yes != true", true},
    // Comparisons are left-associative and yield booleans.
    EvalCase{"1 == 1 == true", true},           // (1 == 1) == true
    EvalCase{"1 == 2 == false", true},
    EvalCase{"attempt < 3 == true", true},
    EvalCase{"(route == 'math') in [true]", true},
    // Short-circuit still evaluates to the right answer on odd operands.
    EvalCase{"missing.x.y or yes", true},
    EvalCase{"missing and missing.x < 3", false}));
// clang-format on

// clang-format off
INSTANTIATE_TEST_SUITE_P(Truthiness, Evaluate, testing::Values(
    EvalCase{"route", true},
    EvalCase{"empty", false},
    EvalCase{"attempt", true},
    EvalCase{"zero", false},
    EvalCase{"zero_f", false},
    EvalCase{"neg", true},
    EvalCase{"score", true},
    EvalCase{"big", true},
    EvalCase{"nothing", false},
    EvalCase{"missing", false},
    EvalCase{"yes", true},
    EvalCase{"no", false},
    EvalCase{"tags", true},
    EvalCase{"empty_list", false},
    EvalCase{"empty_obj", false},
    EvalCase{"data", true},
    EvalCase{"data.confident", false},
    EvalCase{"true", true},
    EvalCase{"false", false},
    EvalCase{"null", false},
    EvalCase{"0", false},
    EvalCase{"-0.0", false},
    EvalCase{"0.5", true},
    EvalCase{"''", false},
    EvalCase{"'x'", true},
    EvalCase{"[]", false},
    EvalCase{"[null]", true},
    EvalCase{"(((route)))", true}));
// clang-format on

// clang-format off
INSTANTIATE_TEST_SUITE_P(Paths, Evaluate, testing::Values(
    EvalCase{"data.nested.deep.x == 42", true},
    EvalCase{"data.nested.deep.x.y == null", true},  // through a number
    EvalCase{"data.nested.missing.x == null", true}, // through a missing member
    EvalCase{"route.length == null", true},          // through a string
    EvalCase{"tags.chat == null", true},             // through an array
    EvalCase{"data.obj.k == 'v'", true},
    EvalCase{"data.in == null", true},               // keywords are fine after a dot
    EvalCase{"_x9 == null", true},
    EvalCase{"Route == null", true},                 // case-sensitive
    EvalCase{"AND == null", true},                   // keywords are lower case
    EvalCase{"route.x.y.z.w", false}));
// clang-format on

// clang-format off
INSTANTIATE_TEST_SUITE_P(Strings, Evaluate, testing::Values(
    EvalCase{R"(name == "héllo wörld")", true},
    EvalCase{R"(cjk == '日本語')", true},
    EvalCase{R"(emoji == "🙂")", true},
    EvalCase{R"(quote == "say \"hi\"\n")", true},
    EvalCase{R"(quote == 'say "hi"\n')", true},
    EvalCase{R"(quote == 'say \"hi\"\n')", true},
    EvalCase{R"('it\'s' == "it's")", true},
    EvalCase{R"("a\\b" == 'a\\b')", true},
    EvalCase{R"("a\tb" != "a b")", true},
    EvalCase{R"(input == "2+2?")", true}));
// clang-format on

// Messages other than the standard one.
struct MessageCase {
    const char *text;
    const char *message;
    bool expected;
};
std::ostream &operator<<(std::ostream &os, const MessageCase &c) {
    return os << "'" << c.text << "' on " << c.message << " -> " << std::boolalpha << c.expected;
}

class EvaluateMessage : public testing::TestWithParam<MessageCase> {};

TEST_P(EvaluateMessage, Works) {
    const json::Document doc = json::parse(GetParam().message, "message");
    EXPECT_EQ(Condition::parse(GetParam().text).evaluate(doc), GetParam().expected);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Shapes, EvaluateMessage, testing::Values(
    MessageCase{"route == null", "[]", true},          // not an object: every field is null
    MessageCase{"route", "\"route\"", false},
    MessageCase{"route != 'x'", "null", true},
    MessageCase{"a.b", "{\"a\": {\"b\": 1}}", true},
    MessageCase{"a.b", "{\"a\": {\"b\": null}}", false},
    MessageCase{"a == b", "{\"a\": 1.5, \"b\": 1.5}", true},
    MessageCase{"a == b", "{\"a\": {\"x\": [1, {\"y\": 2}]}, \"b\": {\"x\": [1, {\"y\": 2.0}]}}", true},
    MessageCase{"a == b", "{\"a\": {\"x\": 1, \"y\": 2}, \"b\": {\"y\": 2, \"x\": 1}}", true},
    MessageCase{"a == b", "{\"a\": {\"x\": 1}, \"b\": {\"x\": 1, \"y\": 2}}", false},
    MessageCase{"a == b", "{\"a\": {\"x\": 1}, \"b\": {\"y\": 1}}", false},
    MessageCase{"a in b", "{\"a\": \"\", \"b\": \"\"}", true},
    MessageCase{"a < b", "{\"a\": -9223372036854775808, \"b\": 9223372036854775808}", true},
    MessageCase{"a > b", "{\"a\": 2, \"b\": 1.999}", true},
    MessageCase{"a == 1", "{\"a\": 1, \"a\": 2}", true}));   // the first duplicate wins

// Canonical forms.
struct FormCase {
    const char *text;
    const char *canonical;
};
std::ostream &operator<<(std::ostream &os, const FormCase &c) {
    return os << "'" << c.text << "' -> '" << c.canonical << "'";
}

class Canonical : public testing::TestWithParam<FormCase> {};

TEST_P(Canonical, Form) {
    const Condition condition = Condition::parse(GetParam().text);
    EXPECT_EQ(condition.to_string(), GetParam().canonical);
    EXPECT_EQ(condition.text(), GetParam().text);
    EXPECT_EQ(Condition::parse(condition.to_string()).to_string(), GetParam().canonical);
}

INSTANTIATE_TEST_SUITE_P(Forms, Canonical, testing::Values(
    FormCase{"route", "route"},
    FormCase{"  (route)  ", "route"},
    FormCase{"data.score", "data.score"},
    FormCase{"route=='math'", R"((route == "math"))"},
    FormCase{"a != 1", "(a != 1)"},
    FormCase{"a<1", "(a < 1)"},
    FormCase{"a<=1", "(a <= 1)"},
    FormCase{"a>1", "(a > 1)"},
    FormCase{"a>=1", "(a >= 1)"},
    FormCase{"a in [1,2]", "(a in [1, 2])"},
    FormCase{"a not   in b", "(a not in b)"},
    FormCase{"a and b", "(a and b)"},
    FormCase{"a && b", "(a and b)"},
    FormCase{"a || b", "(a or b)"},
    FormCase{"!a", "(not a)"},
    FormCase{"not not a", "(not (not a))"},
    FormCase{"a and b and c", "(a and b and c)"},
    FormCase{"a or b or c or d", "(a or b or c or d)"},
    FormCase{"a && b and c", "(a and b and c)"},
    FormCase{"(a or b) or c", "((a or b) or c)"},
    FormCase{"a and b and c or d or e and f", "((a and b and c) or d or (e and f))"},
    FormCase{"a or b && !c == 1", "(a or (b and (not (c == 1))))"},
    FormCase{"a and (b and c)", "(a and (b and c))"},
    FormCase{"a or b and c", "(a or (b and c))"},
    FormCase{"a and b or c", "((a and b) or c)"},
    FormCase{"a and b or c and d", "((a and b) or (c and d))"},
    FormCase{"not a and b", "((not a) and b)"},
    FormCase{"not a == b", "(not (a == b))"},
    FormCase{"not (a == b)", "(not (a == b))"},
    FormCase{"not a in b", "(not (a in b))"},
    FormCase{"a == b == c", "((a == b) == c)"},
    FormCase{"a < b in c", "((a < b) in c)"},
    FormCase{"a == 1 or b in ['x'] and not c",
             R"(((a == 1) or ((b in ["x"]) and (not c))))"},
    FormCase{"(a or b) and c", "((a or b) and c)"},
    FormCase{R"(gate == "fail" and attempt < 3)", R"(((gate == "fail") and (attempt < 3)))"},
    FormCase{R"(route in ["chat", "other"] or not data.confident)",
             R"(((route in ["chat", "other"]) or (not data.confident)))"},
    // Literals.
    FormCase{"a == 'x'", R"((a == "x"))"},
    FormCase{R"(a == 'say "hi"')", R"((a == "say \"hi\""))"},
    FormCase{R"(a == "it\'s")", R"((a == "it's"))"},
    FormCase{R"(a == "t\tn\nb\\")", R"((a == "t\tn\nb\\"))"},
    FormCase{"a == 'héllo 日本'", "(a == \"héllo 日本\")"},
    FormCase{"a == 007", "(a == 7)"},
    FormCase{"a == -0", "(a == 0)"},
    FormCase{"a == 1.0", "(a == 1.0)"},
    FormCase{"a == 1.50", "(a == 1.5)"},
    FormCase{"a == -2.25", "(a == -2.25)"},
    FormCase{"a == 1e3", "(a == 1000.0)"},
    FormCase{"a == 1E21", "(a == 1e21)"},
    FormCase{"a == 2.5e-7", "(a == 2.5e-7)"},
    FormCase{"a == 18446744073709551615", "(a == 18446744073709551615)"},
    FormCase{"a == 18446744073709551616", "(a == 18446744073709553000.0)"},
    FormCase{"a == -9223372036854775808", "(a == -9223372036854775808)"},
    FormCase{"a == true", "(a == true)"},
    FormCase{"a != false", "(a != false)"},
    FormCase{"a == null", "(a == null)"},
    FormCase{"a in [ ]", "(a in [])"},
    FormCase{"a in [[1,[2]],'x',null,true]", R"((a in [[1, [2]], "x", null, true]))"},
    FormCase{"\ta\n==\r\n1 ", "(a == 1)"}));
// clang-format on

// fields(): each path once, in order of first appearance.
TEST(ConditionFields, ListsEachPathOnceInOrder) {
    using Fields = std::vector<std::string>;
    EXPECT_EQ(Condition::parse("route").fields(), Fields{"route"});
    EXPECT_EQ(Condition::parse("1 == 1").fields(), Fields{});
    EXPECT_EQ(Condition::parse(R"(gate == "fail" and attempt < 3)").fields(),
              (Fields{"gate", "attempt"}));
    EXPECT_EQ(Condition::parse("route in ['a'] or not data.confident").fields(),
              (Fields{"route", "data.confident"}));
    EXPECT_EQ(Condition::parse("b == a or a == b or data.x.y or data.x").fields(),
              (Fields{"b", "a", "data.x.y", "data.x"}));
    EXPECT_EQ(Condition::parse("not (x in y) and ((z))").fields(), (Fields{"x", "y", "z"}));
    EXPECT_EQ(Condition::parse("'route' == \"gate\"").fields(), Fields{});
}

// Parse errors: the exact message, which starts with the offset.
struct ErrorCase {
    const char *text;
    const char *what;
};
std::ostream &operator<<(std::ostream &os, const ErrorCase &c) {
    return os << "'" << c.text << "' -> " << c.what;
}

class ParseError : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParseError, NamesTheOffsetAndWhatWasExpected) {
    try {
        Condition::parse(GetParam().text);
        FAIL() << "parsed";
    } catch (const ConditionError &e) {
        EXPECT_STREQ(e.what(), GetParam().what);
        EXPECT_EQ(e.code(), ErrorCode::config);
        EXPECT_EQ(std::string(e.what()), "offset " + std::to_string(e.offset) + ": " + e.detail);
        EXPECT_LE(e.offset, std::string_view(GetParam().text).size());
    }
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Errors, ParseError, testing::Values(
    // Empty.
    ErrorCase{"", "offset 0: empty condition"},
    ErrorCase{" \t\n ", "offset 0: empty condition"},
    // Strings.
    ErrorCase{R"(route == "math)", "offset 9: unterminated string"},
    ErrorCase{"route == 'math", "offset 9: unterminated string"},
    ErrorCase{R"(route == "math')", "offset 9: unterminated string"},
    ErrorCase{R"(a == "x\)", "offset 5: unterminated string"},
    ErrorCase{R"(a == "x\q")",
              R"(offset 7: invalid escape in string (valid escapes are \" \' \\ \n \t))"},
    ErrorCase{R"(a == "\u00e9")",
              R"(offset 6: invalid escape in string (valid escapes are \" \' \\ \n \t))"},
    ErrorCase{"a == \"x\ny\"", "offset 7: control character in string (write \\n or \\t)"},
    // Operators.
    ErrorCase{"route = 'math'", "offset 6: unknown operator '=' (did you mean '=='?)"},
    ErrorCase{"a =< 3", "offset 2: unknown operator '=<' (did you mean '<='?)"},
    ErrorCase{"a => 3", "offset 2: unknown operator '=>' (did you mean '>='?)"},
    ErrorCase{"a <> 3", "offset 2: unknown operator '<>' (did you mean '!='?)"},
    ErrorCase{"a === 3", "offset 4: unknown operator '=' (did you mean '=='?)"},
    ErrorCase{"a & b", "offset 2: unknown operator '&' (did you mean 'and'?)"},
    ErrorCase{"a | b", "offset 2: unknown operator '|' (did you mean 'or'?)"},
    ErrorCase{"a ~ b", "offset 2: unexpected character '~'"},
    ErrorCase{"a == $x", "offset 5: unexpected character '$'"},
    ErrorCase{"café == 1", "offset 3: unexpected byte 0xC3"},
    ErrorCase{"a ==\x01 1", "offset 4: unexpected byte 0x01"},
    // Dangling operators.
    ErrorCase{"a and", "offset 5: expected an operand after 'and', found end of condition"},
    ErrorCase{"a &&", "offset 4: expected an operand after '&&', found end of condition"},
    ErrorCase{"a or ", "offset 5: expected an operand after 'or', found end of condition"},
    ErrorCase{"not", "offset 3: expected an operand after 'not', found end of condition"},
    ErrorCase{"!", "offset 1: expected an operand after '!', found end of condition"},
    ErrorCase{"a ==", "offset 4: expected an operand after '==', found end of condition"},
    ErrorCase{"a < ", "offset 4: expected an operand after '<', found end of condition"},
    ErrorCase{"a in", "offset 4: expected an operand after 'in', found end of condition"},
    ErrorCase{"a and or b", "offset 6: expected an operand after 'and', found keyword 'or' "
                            "(keywords cannot be field names)"},
    ErrorCase{"a == == b", "offset 5: expected an operand after '==', found '=='"},
    ErrorCase{"and a", "offset 0: expected an operand, found keyword 'and' "
                       "(keywords cannot be field names)"},
    ErrorCase{"== 1", "offset 0: expected an operand, found '=='"},
    ErrorCase{", a", "offset 0: expected an operand, found ','"},
    ErrorCase{"a not b", "offset 6: expected 'in' after 'not', found field 'b'"},
    ErrorCase{"a not", "offset 5: expected 'in' after 'not', found end of condition"},
    ErrorCase{"a ! in b", "offset 2: expected an operator or end of condition, found '!'"},
    // Keywords as fields.
    ErrorCase{"in == 1", "offset 0: expected an operand, found keyword 'in' "
                         "(keywords cannot be field names)"},
    ErrorCase{"a == or", "offset 5: expected an operand after '==', found keyword 'or' "
                         "(keywords cannot be field names)"},
    ErrorCase{"true.x == 1", "offset 0: 'true' is a keyword and cannot be used as a field name"},
    ErrorCase{"a or null.b", "offset 5: 'null' is a keyword and cannot be used as a field name"},
    ErrorCase{"not.x", "offset 0: 'not' is a keyword and cannot be used as a field name"},
    ErrorCase{"true == false true",
              "offset 14: expected an operator or end of condition, found keyword 'true'"},
    // Paths.
    ErrorCase{"data. == 1", "offset 5: expected a field name after '.'"},
    ErrorCase{"data..x", "offset 5: expected a field name after '.'"},
    ErrorCase{"data.", "offset 5: expected a field name after '.'"},
    ErrorCase{"data.1", "offset 5: expected a field name after '.'"},
    ErrorCase{".x", "offset 0: unexpected character '.'"},
    ErrorCase{"data .x", "offset 5: unexpected character '.'"},
    // Numbers.
    ErrorCase{"a == 1.", "offset 7: expected a digit after '.'"},
    ErrorCase{"a == 1.x", "offset 7: expected a digit after '.'"},
    ErrorCase{"a == - 1", "offset 6: expected a digit after '-'"},
    ErrorCase{"a == 1e", "offset 7: expected a digit after the exponent 'e'"},
    ErrorCase{"a == 1e+", "offset 8: expected a digit after the exponent 'e'"},
    ErrorCase{"a == 3abc", "offset 5: invalid number '3abc'"},
    ErrorCase{"a == 1.2.3", "offset 5: invalid number '1.2.3'"},
    ErrorCase{"a == 1e999", "offset 5: number 1e999 is out of range"},
    ErrorCase{"a == +1", "offset 5: unexpected character '+'"},
    ErrorCase{"a == .5", "offset 5: unexpected character '.'"},
    // Parentheses.
    ErrorCase{"(a == 1", "offset 7: expected ')' to close the '(' at offset 0, found end of "
                         "condition"},
    ErrorCase{"((a) or (b)", "offset 11: expected ')' to close the '(' at offset 0, found end "
                             "of condition"},
    ErrorCase{"(a b)", "offset 3: expected ')' to close the '(' at offset 0, found field 'b'"},
    ErrorCase{"a == 1)", "offset 6: unexpected ')' without a matching '('"},
    ErrorCase{"(a))", "offset 3: unexpected ')' without a matching '('"},
    ErrorCase{"()", "offset 1: expected an operand after '(', found ')'"},
    ErrorCase{")", "offset 0: expected an operand, found ')'"},
    // Trailing tokens.
    ErrorCase{"a b", "offset 2: expected an operator or end of condition, found field 'b'"},
    ErrorCase{"a == 1 2", "offset 7: expected an operator or end of condition, found number 2"},
    ErrorCase{"a == 'x' 'y'",
              "offset 9: expected an operator or end of condition, found string 'y'"},
    ErrorCase{"a == 1 (b)", "offset 7: expected an operator or end of condition, found '('"},
    ErrorCase{"a [1]", "offset 2: expected an operator or end of condition, found '['"},
    ErrorCase{"a == 'a very long string literal indeed' 'another very long string literal'",
              "offset 41: expected an operator or end of condition, found string 'another very "
              "long strin..."},
    // The right side of in.
    ErrorCase{"route in 3", "offset 9: expected a list or a field after 'in', found number 3"},
    ErrorCase{"route in 'math'",
              "offset 9: expected a list or a field after 'in', found string \"math\""},
    ErrorCase{"route not in true",
              "offset 13: expected a list or a field after 'in', found true"},
    ErrorCase{"route in null", "offset 9: expected a list or a field after 'in', found null"},
    ErrorCase{"route in (3)", "offset 10: expected a list or a field after 'in', found number 3"},
    ErrorCase{"a in (b == c)",
              "offset 6: expected a list or a field after 'in', found an expression"},
    ErrorCase{"a in not b", "offset 5: expected an operand after 'in', found keyword 'not'"},
    // Lists.
    ErrorCase{"a in [1, 2", "offset 10: expected ',' or ']' to close the '[' at offset 5, found "
                            "end of condition"},
    ErrorCase{"a in [1 2]", "offset 8: expected ',' or ']' to close the '[' at offset 5, found "
                            "number 2"},
    ErrorCase{"a in [1,]", "offset 8: expected a literal after ',', found ']'"},
    ErrorCase{"a in [,]", "offset 6: expected a literal in the list, found ','"},
    ErrorCase{"a in [b]", "offset 6: expected a literal in the list, found field 'b' (lists hold "
                          "only literals)"},
    ErrorCase{"a in [1, (2)]", "offset 9: expected a literal after ',', found '('"},
    ErrorCase{"a in ]", "offset 5: expected an operand after 'in', found ']'"}));
// clang-format on

std::string repeat(std::string_view s, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

std::string error_of(const std::string &text) {
    try {
        Condition::parse(text);
    } catch (const ConditionError &e) {
        return e.what();
    }
    return "parsed";
}

TEST(ConditionLimits, NestingUpTo64LevelsParses) {
    const size_t n = Condition::max_depth;
    EXPECT_EQ(n, 64u);
    EXPECT_TRUE(Condition::parse(repeat("(", n) + "yes" + repeat(")", n)).evaluate(message()));
    EXPECT_TRUE(Condition::parse(repeat("not ", n) + "yes").evaluate(message()));
    EXPECT_TRUE(Condition::parse(repeat("!", n - 1) + "no").evaluate(message()));
    EXPECT_TRUE(
        Condition::parse(repeat("!(", n / 2) + "yes" + repeat(")", n / 2)).evaluate(message()));
    EXPECT_FALSE(
        Condition::parse("tags == " + repeat("[", n) + repeat("]", n)).evaluate(message()));
    EXPECT_EQ(Condition::parse(repeat("(", n) + "a" + repeat(")", n)).to_string(), "a");
}

TEST(ConditionLimits, Nesting65LevelsIsAnError) {
    const size_t n = Condition::max_depth + 1;
    EXPECT_EQ(error_of(repeat("(", n) + "a" + repeat(")", n)),
              "offset 64: nesting deeper than 64 levels");
    EXPECT_EQ(error_of(repeat("not ", n) + "a"), "offset 256: nesting deeper than 64 levels");
    EXPECT_EQ(error_of(repeat("!", n) + "a"), "offset 64: nesting deeper than 64 levels");
    EXPECT_EQ(error_of("a in " + repeat("[", n) + repeat("]", n)),
              "offset 69: nesting deeper than 64 levels");
    EXPECT_EQ(error_of("a and " + repeat("(!", 33) + "a" + repeat(")", 33)),
              "offset 70: nesting deeper than 64 levels");
}

TEST(ConditionLimits, DeepInputIsAnErrorNotACrash) {
    // Far beyond the limit, but within the length limit: no stack overflow, just an error.
    EXPECT_EQ(error_of(repeat("(", 4000)), "offset 64: nesting deeper than 64 levels");
    EXPECT_EQ(error_of(repeat("[", 4000)), "offset 64: nesting deeper than 64 levels");
}

TEST(ConditionLimits, LongFlatChainsStayFlat) {
    // Chains do not nest: a 4096-byte chain parses and evaluates, and so does its canonical form.
    std::string text = "yes";
    while (text.size() + 7 <= Condition::max_length - 2)
        text += " and no";
    const Condition chain = Condition::parse(text);
    EXPECT_FALSE(chain.evaluate(message()));
    EXPECT_EQ(chain.to_string(), "(" + text + ")");
    EXPECT_EQ(Condition::parse(chain.to_string()).to_string(), chain.to_string());
    text.resize(Condition::max_length, ' ');
    EXPECT_FALSE(Condition::parse(text).evaluate(message()));

    std::string compare = "true"; // ((true == true) == true) ...
    while (compare.size() + 9 <= Condition::max_length)
        compare += " == true";
    EXPECT_TRUE(Condition::parse(compare).evaluate(message()));
}

TEST(ConditionLimits, LengthUpTo4096BytesParses) {
    const std::string text = "'" + std::string(Condition::max_length - 2, 'x') + "'";
    EXPECT_TRUE(Condition::parse(text).evaluate(message()));
    const std::string padded = "route" + std::string(Condition::max_length - 5, ' ');
    EXPECT_TRUE(Condition::parse(padded).evaluate(message()));
}

TEST(ConditionLimits, LongerIsAnError) {
    const std::string text = "'" + std::string(Condition::max_length - 1, 'x') + "'";
    EXPECT_EQ(error_of(text), "offset 4096: condition is 4097 bytes long; the limit is 4096");
    EXPECT_EQ(error_of(std::string(100000, ' ')),
              "offset 4096: condition is 100000 bytes long; the limit is 4096");
}

TEST(ConditionError, IsATinyllmConfigErrorWithTheOffset) {
    try {
        Condition::parse("gate == 'fail' and");
        FAIL() << "parsed";
    } catch (const tinyllm::Error &e) {
        EXPECT_EQ(e.code(), ErrorCode::config);
        const auto *condition_error = dynamic_cast<const ConditionError *>(&e);
        ASSERT_NE(condition_error, nullptr);
        EXPECT_EQ(condition_error->offset, 18u);
        EXPECT_EQ(condition_error->detail,
                  "expected an operand after 'and', found end of condition");
    }
}

TEST(ConditionBasics, CopiesShareTheParsedForm) {
    const Condition original = Condition::parse("route == 'math'");
    const Condition copy = original; // NOLINT(performance-unnecessary-copy-initialization)
    EXPECT_EQ(copy.text(), "route == 'math'");
    EXPECT_TRUE(copy.evaluate(message()));
    std::vector<Condition> edges;
    for (int i = 0; i < 100; ++i)
        edges.push_back(Condition::parse("attempt < " + std::to_string(i)));
    int passing = 0;
    for (const Condition &c : edges)
        passing += c.evaluate(message()) ? 1 : 0;
    EXPECT_EQ(passing, 98); // attempt is 1: 'attempt < 2' .. 'attempt < 99'
}

TEST(ConditionBasics, EvaluationDoesNotAllocate) {
    const Condition condition = Condition::parse(
        R"(route in ["chat", "other"] or not data.confident and data.nested.deep.x >= 42 and )"
        R"("wör" in name and data.tags == data.tags and [1, 2] in data.tags and missing.x != 1)");
    const json::Value &msg = message(); // built on first use
    const size_t before = allocations.load();
    EXPECT_EQ(Condition::parse("x").to_string(), "x"); // the counter counts
    EXPECT_GT(allocations.load(), before);
    const size_t after_parse = allocations.load();
    bool result = true;
    for (int i = 0; i < 1000; ++i)
        result = result && condition.evaluate(msg);
    EXPECT_EQ(allocations.load(), after_parse);
    EXPECT_TRUE(result);
}

TEST(ConditionBasics, EvaluatesAgainstManyMessages) {
    const Condition condition = Condition::parse("gate == 'fail' and attempt < 3");
    for (int attempt = 0; attempt < 6; ++attempt) {
        json::Document doc;
        doc.SetObject();
        doc.AddMember("gate", "fail", doc.GetAllocator());
        doc.AddMember("attempt", attempt, doc.GetAllocator());
        EXPECT_EQ(condition.evaluate(doc), attempt < 3) << attempt;
    }
}

} // namespace
} // namespace tinyllm::graph
