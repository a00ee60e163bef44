// YAML -> JSON: scalar typing, positions by JSON Pointer, and the errors yaml-cpp leaves to us.
#include "config/yaml_json.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace tinyllm::config {
namespace {

using test::config_error;
using test::TempDir;

TEST(YamlJson, PlainScalarsFollowTheYaml12CoreSchema) {
    const YamlDocument doc = parse_yaml(R"(yes_bool: true
caps_bool: FALSE
off_word: off
yes_word: yes
int: 42
negative: -7
hex: 0x1F
octal: 0o17
float: 0.5
exponent: 1e3
huge: 99999999999999999999
tilde: ~
null_word: null
empty:
duration: 5m
model: qwen2.5:0.5b
version: "1.10"
quoted_int: '42'
quoted_null: "null"
forced_str: !!str 5
forced_int: !!int "12"
infinity: .inf
leading_dot: .5
trailing_dot: 5.
plus: +3
bad_exponent: 1e
not_hex: 0x1G
not_octal: 0o18
)",
                                        "t.yaml");
    const json::Value &v = doc.value;
    EXPECT_TRUE(v["yes_bool"].IsTrue());
    EXPECT_TRUE(v["caps_bool"].IsFalse());
    EXPECT_STREQ(v["off_word"].GetString(), "off"); // YAML 1.1 would say false
    EXPECT_STREQ(v["yes_word"].GetString(), "yes");
    EXPECT_TRUE(v["int"].IsInt64());
    EXPECT_EQ(v["int"].GetInt64(), 42);
    EXPECT_EQ(v["negative"].GetInt64(), -7);
    EXPECT_EQ(v["hex"].GetInt64(), 31);
    EXPECT_EQ(v["octal"].GetInt64(), 15);
    EXPECT_TRUE(v["float"].IsDouble());
    EXPECT_DOUBLE_EQ(v["float"].GetDouble(), 0.5);
    EXPECT_DOUBLE_EQ(v["exponent"].GetDouble(), 1000.0);
    EXPECT_TRUE(v["huge"].IsDouble()); // beyond int64
    EXPECT_TRUE(v["tilde"].IsNull());
    EXPECT_TRUE(v["null_word"].IsNull());
    EXPECT_TRUE(v["empty"].IsNull());
    EXPECT_STREQ(v["duration"].GetString(), "5m");
    EXPECT_STREQ(v["model"].GetString(), "qwen2.5:0.5b");
    EXPECT_STREQ(v["version"].GetString(), "1.10");
    EXPECT_STREQ(v["quoted_int"].GetString(), "42");
    EXPECT_STREQ(v["quoted_null"].GetString(), "null");
    EXPECT_STREQ(v["forced_str"].GetString(), "5");
    EXPECT_EQ(v["forced_int"].GetInt64(), 12);
    EXPECT_STREQ(v["infinity"].GetString(), ".inf"); // JSON has no infinity
    EXPECT_DOUBLE_EQ(v["leading_dot"].GetDouble(), 0.5);
    EXPECT_DOUBLE_EQ(v["trailing_dot"].GetDouble(), 5.0);
    EXPECT_EQ(v["plus"].GetInt64(), 3);
    EXPECT_STREQ(v["bad_exponent"].GetString(), "1e");
    EXPECT_STREQ(v["not_hex"].GetString(), "0x1G");
    EXPECT_STREQ(v["not_octal"].GetString(), "0o18");
}

TEST(YamlJson, ListsAndFlowCollections) {
    const YamlDocument doc = parse_yaml("roles: [router, general]\n"
                                        "options: {temperature: 0.2, num_ctx: 4096}\n",
                                        "t.yaml");
    ASSERT_TRUE(doc.value["roles"].IsArray());
    EXPECT_STREQ(doc.value["roles"][1].GetString(), "general");
    EXPECT_EQ(doc.value["options"]["num_ctx"].GetInt64(), 4096);
}

TEST(YamlJson, JsonPointerGivesSourcePosition) {
    const YamlDocument doc = parse_yaml(R"(default_model: a
backends:
  - name: local
    config:
      url: http://127.0.0.1:11434
roles: [x, "y"]
)",
                                        "models.yaml");
    const SourceMap &map = *doc.positions;
    EXPECT_EQ(map.value_location("").to_string(), "models.yaml:1:1");
    EXPECT_EQ(map.value_location("/default_model").to_string(), "models.yaml:1:16");
    EXPECT_EQ(map.key_location("/default_model").to_string(), "models.yaml:1:1");
    EXPECT_EQ(map.value_location("/backends/0").to_string(), "models.yaml:3:5");
    EXPECT_EQ(map.value_location("/backends/0/config/url").to_string(), "models.yaml:5:12");
    EXPECT_EQ(map.key_location("/backends/0/config/url").to_string(), "models.yaml:5:7");
    EXPECT_EQ(map.value_location("/roles/1").to_string(), "models.yaml:6:12");
    // A node that is not in the file (a default filled in later) falls back to its parent.
    EXPECT_EQ(map.value_location("/backends/0/config/timeout_ms").to_string(), "models.yaml:5:7");
    EXPECT_EQ(map.display_path("/backends/0/config/url"), "backends[0].config.url");
}

TEST(YamlJson, EmptyValuePointsAtItsKey) {
    // yaml-cpp places an empty value at the next token; the key is where a reader looks.
    const YamlDocument doc = parse_yaml("a:\nb: 1\n", "t.yaml");
    EXPECT_EQ(doc.positions->value_location("/a").to_string(), "t.yaml:1:1");
}

TEST(YamlJson, AnchorsAliasesAndMergeKeys) {
    const YamlDocument doc = parse_yaml(R"(base: &base
  temperature: 0.2
  num_ctx: 4096
fast:
  <<: *base
  num_ctx: 2048
copy: *base
)",
                                        "t.yaml");
    EXPECT_DOUBLE_EQ(doc.value["fast"]["temperature"].GetDouble(), 0.2);
    EXPECT_EQ(doc.value["fast"]["num_ctx"].GetInt64(), 2048); // the mapping's own key wins
    EXPECT_FALSE(doc.value["fast"].HasMember("<<"));
    EXPECT_EQ(doc.value["copy"]["num_ctx"].GetInt64(), 4096);
    // A merged key points at where it is written: in the anchored mapping.
    EXPECT_EQ(doc.positions->value_location("/fast/temperature").to_string(), "t.yaml:2:16");
}

TEST(YamlJson, AMergedMappingsOwnMergeKeyIsFollowed) {
    const YamlDocument doc = parse_yaml(R"(a: &a {x: 1}
b: &b {<<: *a, y: 2}
c: {<<: *b, z: 3}
)",
                                        "t.yaml");
    EXPECT_EQ(json::to_string(doc.value["c"]), R"({"x":1,"y":2,"z":3})");
}

// m0: &m0 {k0: 0}, then each mK merges m(K-1): K levels of merge keys followed.
std::string merge_chain(int levels) {
    std::string text = "m0: &m0 {k0: 0}\n";
    for (int k = 1; k <= levels; ++k) {
        const std::string n = std::to_string(k);
        text += "m" + n + ": &m" + n + " {<<: *m" + std::to_string(k - 1) + ", k" + n + ": " + n +
                "}\n";
    }
    return text;
}

TEST(YamlJson, MergeKeysNestUpToTheDepthLimit) {
    const YamlDocument deepest = parse_yaml(merge_chain(63), "t.yaml");
    EXPECT_EQ(deepest.value["m63"].MemberCount(), 64u);
    EXPECT_EQ(config_error([] { parse_yaml(merge_chain(64), "t.yaml"); }),
              "t.yaml:1:5: merge nesting too deep");
}

TEST(YamlJson, APositionWithoutALineIsTheFileAlone) {
    EXPECT_EQ((SourceLocation{"t.yaml", 0, 0}.to_string()), "t.yaml");
    EXPECT_EQ((SourceLocation{"t.yaml", 3, 7}.to_string()), "t.yaml:3:7");
    EXPECT_EQ((SourceLocation{"", 3, 7}.to_string()), "");
}

TEST(YamlJson, EveryByteOfAScalarHasItsSourceColumn) {
    TempDir dir;
    const auto path = dir.write("g.yaml", "plain: ab c\n"
                                          "single: 'it''s'\n"
                                          "double: \"a\\tb\"\n");
    const YamlDocument doc = load_yaml_file(path);
    using Columns = std::vector<size_t>;
    EXPECT_EQ(doc.positions->scalar_columns("/plain", "ab c"), (Columns{8, 9, 10, 11, 12}));
    // `''` is one quote: both bytes of the pair stand for it; the last column is the closing quote.
    EXPECT_EQ(doc.positions->scalar_columns("/single", "it's"), (Columns{10, 11, 12, 14, 15}));
    // An escape's byte points at its backslash.
    EXPECT_EQ(doc.positions->scalar_columns("/double", "a\tb"), (Columns{10, 11, 13, 14}));
    EXPECT_EQ(doc.positions->scalar_columns("/absent", "x"), std::nullopt);
    // A value that is not what the file says (the file changed since) has no columns.
    EXPECT_EQ(doc.positions->scalar_columns("/plain", "xy"), std::nullopt);
}

TEST(YamlJson, AScalarOfAFileThatChangedSinceHasNoColumns) {
    TempDir dir;
    const auto path = dir.write("g.yaml", "key: 'a value'\n");
    const YamlDocument doc = load_yaml_file(path);
    dir.write("g.yaml", "k\n"); // shorter than where the value was
    EXPECT_EQ(doc.positions->scalar_columns("/key", "a value"), std::nullopt);
}

TEST(YamlJson, EmptyFileIsNull) {
    EXPECT_TRUE(parse_yaml("# only a comment\n", "t.yaml").value.IsNull());
}

TEST(YamlJson, MissingFileNamesThePath) {
    TempDir dir;
    const auto path = dir.path() / "config" / "models.yaml";
    EXPECT_EQ(config_error([&] { load_yaml_file(path); }),
              path.string() + ": cannot open: No such file or directory");
}

TEST(YamlJson, LoadsAFile) {
    TempDir dir;
    const auto path = dir.write("x.yaml", "a: 1\n");
    const YamlDocument doc = load_yaml_file(path);
    EXPECT_EQ(doc.value["a"].GetInt64(), 1);
    EXPECT_EQ(doc.positions->value_location("/a").to_string(), path.string() + ":1:4");
}

TEST(YamlJson, MalformedYamlGivesFileLineColumn) {
    // yaml-cpp notices the unclosed flow sequence where the next line's mapping begins.
    EXPECT_EQ(config_error([] { parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml"); }),
              "bad.yaml:3:2: end of sequence flow not found");
    EXPECT_EQ(config_error([] { parse_yaml("a: b: c\n", "bad.yaml"); }),
              "bad.yaml:1:5: illegal map value");
    EXPECT_EQ(config_error([] { parse_yaml("a: *nope\n", "bad.yaml"); }),
              "bad.yaml:1:4: the referenced anchor is not defined");
}

TEST(YamlJson, DuplicateKeyIsAnError) {
    EXPECT_EQ(
        config_error([] { parse_yaml("logging:\n  level: info\n  level: debug\n", "s.yaml"); }),
        "s.yaml:3:3: duplicate key \"level\" (first at line 2)");
}

TEST(YamlJson, NonStringKeyIsAnError) {
    EXPECT_EQ(config_error([] { parse_yaml("a: 1\n? [x, y]\n: 2\n", "k.yaml"); }),
              "k.yaml:2:3: keys must be strings, got a sequence");
}

TEST(YamlJson, RecursiveAliasIsAnErrorNotACrash) {
    const std::string message = config_error([] { parse_yaml("x: &a [*a]\n", "r.yaml"); });
    EXPECT_NE(message.find("r.yaml:1:4: nesting deeper than"), std::string::npos) << message;
}

TEST(YamlJson, AliasBombIsAnError) {
    std::string yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int level = 1; level <= 6; ++level) { // 10^7 nodes once expanded
        const std::string prev = "*a" + std::to_string(level - 1);
        yaml += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
        for (int i = 0; i < 10; ++i)
            yaml += (i ? ", " : "") + prev;
        yaml += "]\n";
    }
    const std::string message = config_error([&] { parse_yaml(yaml, "bomb.yaml"); });
    EXPECT_NE(message.find("too many nodes"), std::string::npos) << message;
}

TEST(YamlJson, SeveralDocumentsAreAnError) {
    EXPECT_EQ(config_error([] { parse_yaml("a: 1\n---\nb: 2\n", "m.yaml"); }),
              "m.yaml:3:1: expected one YAML document, found 2");
}

// Found by tests/fuzz (config_fuzz, graph_def_fuzz): yaml-cpp 0.7's LoadAll never returned on a
// stray ',' after a root node; its parser handed out the same empty document again and again
// and LoadAll collected them until memory ran out (jbeder/yaml-cpp#1040).
TEST(YamlJson, AStrayCommaAfterTheRootIsAnErrorNotAnEndlessLoop) {
    EXPECT_EQ(config_error([] { parse_yaml(",", "s.yaml"); }), "s.yaml:1:1: unexpected ','");
    EXPECT_EQ(config_error([] { parse_yaml("- a\n- b\n,\n", "s.yaml"); }),
              "s.yaml:3:1: unexpected ','");
    EXPECT_EQ(config_error([] { parse_yaml("&anchor, x\n", "s.yaml"); }),
              "s.yaml:1:8: unexpected ','");
    EXPECT_EQ(config_error([] { parse_yaml("'a', 'b'\n", "s.yaml"); }),
              "s.yaml:1:4: unexpected ','");
    // A second document is still counted as one, whatever follows it.
    EXPECT_EQ(config_error([] { parse_yaml("a: 1\n---\nb: 2\n---\n- c\n", "m.yaml"); }),
              "m.yaml:3:1: expected one YAML document, found 3");
}

// Found by reading the merge code while writing tests/fuzz/config_fuzz (and the fuzzer's input
// since): a merge key's list that holds itself recursed until the stack ran out.
TEST(YamlJson, AMergeKeyListThatHoldsItselfIsAnErrorNotAStackOverflow) {
    const std::string message = config_error([] { parse_yaml("<<: &x [*x]\n", "m.yaml"); });
    EXPECT_NE(message.find("merge nesting too deep"), std::string::npos) << message;
    // Lists of mappings still merge, the earlier source first.
    const YamlDocument doc = parse_yaml("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\n"
                                        "c:\n  <<: [*a, *b]\n  z: 3\n",
                                        "t.yaml");
    EXPECT_EQ(json::to_string(doc.value["c"]), R"({"x":1,"y":1,"z":3})");
}

TEST(YamlJson, BadForcedTypeIsAnError) {
    EXPECT_EQ(config_error([] { parse_yaml("n: !!int abc\n", "t.yaml"); }),
              "t.yaml:1:4: \"abc\" is not a valid !!int");
}

} // namespace
} // namespace tinyllm::config

namespace tinyllm::config {
namespace {

// Issue 12, item 10: yaml-cpp read a NUL byte as the end of the input in some places and as text
// in others ("unknown escape character", "illegal EOF in scalar", a file silently cut short).
// A control character YAML does not allow is an error at its own position.
TEST(YamlJson, AControlCharacterIsAnErrorAtItsPosition) {
    using namespace std::string_literals;
    EXPECT_EQ(config_error([] { parse_yaml("a: b\0"s, "s.yaml"); }),
              "s.yaml:1:5: a control character (0x00, a NUL byte) that YAML does not allow");
    EXPECT_EQ(config_error([] { parse_yaml("\0"s, "s.yaml"); }),
              "s.yaml:1:1: a control character (0x00, a NUL byte) that YAML does not allow");
    EXPECT_EQ(config_error([] { parse_yaml("a: 1\nb: \"x\x1b[31m\"\n", "s.yaml"); }),
              "s.yaml:2:6: a control character (0x1B) that YAML does not allow");
    EXPECT_EQ(config_error([] { parse_yaml("a: \x7f\n", "s.yaml"); }),
              "s.yaml:1:4: a control character (0x7F) that YAML does not allow");
    // TAB, CR and LF are YAML's own; an escaped NUL is text.
    EXPECT_EQ(json::to_string(parse_yaml("a: \"x\\ty\"\r\nb:\t1\n", "s.yaml").value),
              R"({"a":"x\ty","b":1})");
    EXPECT_EQ(json::to_string(parse_yaml("a: \"\\0\"\n", "s.yaml").value), R"({"a":"\u0000"})");
}

// Issue 12, item 10: 10,000 nested flow sequences were "system.yaml:1:20010: bad file" (yaml-cpp's
// depth guard carries the wrong message); now the nesting limit is named.
TEST(YamlJson, NestingBeyondYamlCppsOwnGuardIsNamed) {
    const std::string deep = "a: " + std::string(10000, '[') + std::string(10000, ']') + "\n";
    const std::string message = config_error([&] { parse_yaml(deep, "system.yaml"); });
    EXPECT_EQ(message.rfind("system.yaml:1:", 0), 0u) << message;
    EXPECT_NE(message.find(": nesting deeper than 64 levels"), std::string::npos) << message;
}

} // namespace
} // namespace tinyllm::config
