// JSON -> YAML for people to read (graph export): flow style for what fits on a line, and a
// document parse_yaml reads back to the same JSON.
#include "config/json_yaml.hpp"
#include "config/yaml_json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tinyllm::config {
namespace {

std::string yaml_of(const char *json_text) {
    return to_yaml(json::parse(json_text, "test"));
}

TEST(JsonYaml, ShortCollectionsOfScalarsAreOneFlowLine) {
    EXPECT_EQ(yaml_of(R"({"edges": [{"from": "a", "to": "b"}], "empty": {}, "none": []})"),
              "edges:\n  - {from: a, to: b}\nempty: {}\nnone: []\n");
}

TEST(JsonYaml, AFlowLineIsAtMost76Wide) {
    // The width counted for {k: "v"}: 2 for the braces, then per member the key + 2 and the
    // string + 2 (its possible quotes) + 2 (the separator). One key of 1 byte: 9 + the string.
    const auto member_with = [](size_t length) {
        return R"({"m": {"k": ")" + std::string(length, 'x') + R"("}})";
    };
    EXPECT_EQ(to_yaml(json::parse(member_with(67), "test")),
              "m: {k: " + std::string(67, 'x') + "}\n");
    EXPECT_EQ(to_yaml(json::parse(member_with(68), "test")),
              "m:\n  k: " + std::string(68, 'x') + "\n");
}

TEST(JsonYaml, ReadsBackToTheSameJson) {
    const char *text = R"({"name": "g", "version": "3.0.0", "flags": ["true", "1.5", "null", ""],
        "nodes": [{"id": "n", "type": "model", "config": {"prompt": "two\nlines", "t": 0.5}}]})";
    const json::Document original = json::parse(text, "test");
    const YamlDocument back = parse_yaml(to_yaml(original), "back.yaml");
    EXPECT_EQ(json::to_string(back.value), json::to_string(original));
}

} // namespace
} // namespace tinyllm::config
