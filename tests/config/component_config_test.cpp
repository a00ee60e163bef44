// The "x-path" schema extension: path strings in a component's config are resolved against the
// directory of the file that set them (the host's runtime::prepare_config), since a plugin
// cannot know where its config was written.
#include "runtime/component_config.hpp"

#include "config/schema.hpp"
#include "config/yaml_json.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>
#include <rapidjson/pointer.h>

namespace tinyllm::runtime {
namespace {

using config::test::fake_env;

constexpr const char *kSchema = R"({
  "type": "object",
  "properties": {
    "file": {"type": "string", "x-path": true},
    "name": {"type": "string"},
    "files": {"type": "array", "items": {"type": "string", "x-path": true},
              "default": ["shipped.jsonl"]},
    "nested": {"type": "object", "properties": {"dir": {"type": "string", "x-path": true}}},
    "by_name": {"type": "object", "additionalProperties": {"type": "string", "x-path": true}}
  }
})";

json::Document parse(const char *text) {
    json::Document doc;
    doc.Parse(text);
    return doc;
}

std::string at(const json::Value &v, const char *pointer) {
    const json::Value *x = rapidjson::Pointer(pointer).Get(v);
    return x != nullptr && x->IsString() ? x->GetString() : "<absent>";
}

TEST(ComponentConfigPaths, RelativePathsAreJoinedToTheBaseEverywhereTheSchemaMarksThem) {
    const config::Schema schema(kSchema);
    json::Document value = parse(R"({"file": "data/a.jsonl", "name": "data/not-a-path",
        "files": ["b.jsonl", "../c.jsonl", "/abs/d.jsonl", ""], "nested": {"dir": "./x/"},
        "by_name": {"one": "e.jsonl"}})");
    resolve_config_paths(value, schema.root(), "/etc/tinyllm", fake_env({}), value.GetAllocator());
    EXPECT_EQ(at(value, "/file"), "/etc/tinyllm/data/a.jsonl");
    EXPECT_EQ(at(value, "/name"), "data/not-a-path"); // not marked: left alone
    EXPECT_EQ(at(value, "/files/0"), "/etc/tinyllm/b.jsonl");
    EXPECT_EQ(at(value, "/files/1"), "/etc/c.jsonl");
    EXPECT_EQ(at(value, "/files/2"), "/abs/d.jsonl");
    EXPECT_EQ(at(value, "/files/3"), ""); // "" means "none", not the config dir
    EXPECT_EQ(at(value, "/nested/dir"), "/etc/tinyllm/x/");
    EXPECT_EQ(at(value, "/by_name/one"), "/etc/tinyllm/e.jsonl");
}

TEST(ComponentConfigPaths, TildeIsTheHomeDirectoryAndStaysWithoutHome) {
    const config::Schema schema(kSchema);
    json::Document value = parse(R"({"file": "~/sets/a.jsonl"})");
    resolve_config_paths(value, schema.root(), "/etc/tinyllm", fake_env({{"HOME", "/home/u"}}),
                         value.GetAllocator());
    EXPECT_EQ(at(value, "/file"), "/home/u/sets/a.jsonl");
    json::Document homeless = parse(R"({"file": "~/sets/a.jsonl"})");
    resolve_config_paths(homeless, schema.root(), "/etc/tinyllm", fake_env({}),
                         homeless.GetAllocator());
    EXPECT_EQ(at(homeless, "/file"), "~/sets/a.jsonl");
}

TEST(ComponentConfigPaths, ValuesOfAnotherTypeAreLeftForValidation) {
    const config::Schema schema(kSchema);
    json::Document value = parse(R"({"file": 42, "files": "one.jsonl"})");
    resolve_config_paths(value, schema.root(), "/etc/tinyllm", fake_env({}), value.GetAllocator());
    EXPECT_EQ(value["file"].GetInt(), 42);
    EXPECT_STREQ(value["files"].GetString(), "one.jsonl");
}

TEST(ComponentConfigPaths, PrepareConfigResolvesAgainstTheFileThatSetThemNotTheDefaults) {
    const config::YamlDocument doc = config::parse_yaml("backends:\n"
                                                        "  - config:\n"
                                                        "      file: sets/a.jsonl\n",
                                                        "/srv/conf/models.yaml");
    const config::Schema schema(kSchema);
    const PreparedConfig prepared =
        prepare_config(&schema, doc.value["backends"][0]["config"],
                       config::Located{doc.positions, "/backends/0/config"}, "backend test");
    EXPECT_EQ(at(prepared.doc, "/file"), "/srv/conf/sets/a.jsonl");
    // The default was written in no file: the component decides what a relative one means.
    EXPECT_EQ(at(prepared.doc, "/files/0"), "shipped.jsonl");
}

TEST(ComponentConfigPaths, ARelativelyNamedFileIsResolvedFromTheWorkingDirectory) {
    const config::YamlDocument doc = config::parse_yaml("file: a.jsonl\n", "conf/models.yaml");
    const config::Schema schema(kSchema);
    const PreparedConfig prepared =
        prepare_config(&schema, doc.value, config::Located{doc.positions, ""}, "backend test");
    EXPECT_EQ(at(prepared.doc, "/file"),
              (std::filesystem::current_path() / "conf" / "a.jsonl").string());
}

TEST(ComponentConfigPaths, AConfigFromNoFileIsLeftAsItIs) {
    const config::Schema schema(kSchema);
    const json::Document given = parse(R"({"file": "a.jsonl"})");
    const PreparedConfig prepared = prepare_config(&schema, given, {}, "example");
    EXPECT_EQ(at(prepared.doc, "/file"), "a.jsonl");
}

} // namespace
} // namespace tinyllm::runtime
