// models.yaml: typed entries, derived defaults, and the cross-checks between entries.
#include "config/models_config.hpp"
#include "config/schema.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace tinyllm::config {
namespace {

using test::config_error;
using test::TempDir;

ModelsConfig load(const TempDir &dir, const std::string &yaml) {
    return load_models_config(dir.write("models.yaml", yaml));
}

std::string error_of(const TempDir &dir, const std::string &yaml) {
    return config_error([&] { load(dir, yaml); });
}

std::string at(const TempDir &dir, const std::string &rest) {
    return (dir.path() / "models.yaml").string() + ":" + rest;
}

constexpr const char *two_backends = R"(default_model: big
backends:
  - name: local
    type: ollama
    config:
      url: http://127.0.0.1:11434
  - name: remote
    type: ollama
models:
  - name: small
    roles: [router, general]
    options: {temperature: 0.2, num_ctx: 4096}
    keep_alive: 5m
    think: false
  - name: big
    model: qwen2.5:1.5b
    backend: remote
    keep_alive: 300
)";

TEST(ModelsConfig, LoadsEntriesAndDerivedDefaults) {
    TempDir dir;
    const ModelsConfig config = load(dir, two_backends);
    EXPECT_EQ(config.default_model, "big");
    ASSERT_EQ(config.backends.size(), 2u);
    EXPECT_EQ(config.backends[0].name, "local");
    EXPECT_EQ(config.backends[0].type, "ollama");
    EXPECT_STREQ((*config.backends[0].config)["url"].GetString(), "http://127.0.0.1:11434");
    EXPECT_TRUE(config.backends[1].config->IsObject()); // absent config is {}
    EXPECT_EQ(config.backends[1].location.line, 7u);

    ASSERT_EQ(config.models.size(), 2u);
    const ModelConfig &small = config.models[0];
    EXPECT_EQ(small.model, "small");   // defaults to the name
    EXPECT_EQ(small.backend, "local"); // defaults to the first backend
    EXPECT_EQ(small.roles, (std::vector<std::string>{"router", "general"}));
    EXPECT_DOUBLE_EQ((*small.options)["temperature"].GetDouble(), 0.2);
    EXPECT_STREQ(small.keep_alive->GetString(), "5m");
    EXPECT_EQ(small.think, false);
    const ModelConfig &big = *config.find_model("big");
    EXPECT_EQ(big.model, "qwen2.5:1.5b");
    EXPECT_EQ(big.backend, "remote");
    EXPECT_TRUE(big.roles.empty());
    EXPECT_TRUE(big.options->ObjectEmpty());
    EXPECT_EQ(big.keep_alive->GetInt64(), 300);
    EXPECT_FALSE(big.think.has_value());
    EXPECT_EQ(config.find_backend("nope"), nullptr);
}

TEST(ModelsConfig, DefaultModelDefaultsToTheFirst) {
    TempDir dir;
    const ModelsConfig config = load(dir, "backends: [{name: b, type: ollama}]\n"
                                          "models: [{name: m1}, {name: m2}]\n");
    EXPECT_EQ(config.default_model, "m1");
}

TEST(ModelsConfig, JsonOutlivesTheConfigCopy) {
    TempDir dir;
    std::shared_ptr<const json::Value> options;
    {
        const ModelsConfig config = load(dir, two_backends);
        options = config.models[0].options;
    }
    EXPECT_EQ((*options)["num_ctx"].GetInt64(), 4096); // the pointer keeps the document alive
}

TEST(ModelsConfig, BackendConfigCanBeValidatedLaterWithPositions) {
    TempDir dir;
    const ModelsConfig config = load(dir, R"(backends:
  - name: local
    type: ollama
    config:
      url: http://x
      timeout_ms: soon
models: [{name: m}]
)");
    const BackendConfig &backend = config.backends[0];
    const Schema plugin_schema(R"({"type": "object", "properties": {
        "url": {"type": "string"}, "timeout_ms": {"type": "integer"}}})");
    json::Document copy;
    copy.CopyFrom(*backend.config, copy.GetAllocator());
    EXPECT_EQ(config_error([&] { plugin_schema.validate(copy, backend.config_source); }),
              at(dir, "6:19: backends[0].config.timeout_ms: expected integer, got string "
                      "\"soon\""));
}

TEST(ModelsConfig, UnknownBackendReference) {
    TempDir dir;
    EXPECT_EQ(error_of(dir, "backends: [{name: local, type: ollama}]\n"
                            "models:\n"
                            "  - name: m\n"
                            "    backend: locl\n"),
              at(dir, "4:14: models[0].backend: unknown backend \"locl\" (did you mean "
                      "\"local\"?)"));
    EXPECT_EQ(error_of(dir, "backends: [{name: local, type: ollama}]\n"
                            "models:\n"
                            "  - name: m\n"
                            "    backend: openai\n"),
              at(dir, "4:14: models[0].backend: unknown backend \"openai\" (backends: local)"));
}

TEST(ModelsConfig, DefaultModelMustExist) {
    TempDir dir;
    EXPECT_EQ(error_of(dir, "default_model: qwen\n"
                            "backends: [{name: local, type: ollama}]\n"
                            "models: [{name: a}, {name: b}]\n"),
              at(dir, "1:16: default_model: unknown model \"qwen\" (models: a, b)"));
}

TEST(ModelsConfig, DuplicateNames) {
    TempDir dir;
    EXPECT_EQ(error_of(dir, "backends:\n"
                            "  - {name: local, type: ollama}\n"
                            "  - {name: local, type: ollama}\n"
                            "models: [{name: m}]\n"),
              at(dir, "3:12: backends[1].name: duplicate backend name \"local\" (first at line "
                      "2)"));
    EXPECT_EQ(error_of(dir, "backends: [{name: local, type: ollama}]\n"
                            "models:\n"
                            "  - name: m\n"
                            "  - name: m\n"),
              at(dir, "4:11: models[1].name: duplicate model name \"m\" (first at line 3)"));
}

TEST(ModelsConfig, EmptyLists) {
    TempDir dir;
    EXPECT_EQ(error_of(dir, "backends: []\nmodels: [{name: m}]\n"),
              at(dir, "1:11: backends: at least one backend is required"));
    EXPECT_EQ(error_of(dir, "backends: [{name: b, type: ollama}]\nmodels: []\n"),
              at(dir, "2:9: models: at least one model is required"));
}

TEST(ModelsConfig, MissingRequiredKeys) {
    TempDir dir;
    EXPECT_EQ(error_of(dir, "models: [{name: m}]\n"),
              at(dir, "1:1: missing required key \"backends\""));
    EXPECT_EQ(error_of(dir, "backends:\n"
                            "  - name: local\n"
                            "models: [{name: m}]\n"),
              at(dir, "2:5: backends[0]: missing required key \"type\""));
}

TEST(ModelsConfig, SchemaErrors) {
    TempDir dir;
    EXPECT_EQ(error_of(dir, "backends: [{name: b, type: ollama}]\n"
                            "models:\n"
                            "  - name: m\n"
                            "    think: sometimes\n"),
              at(dir, "4:12: models[0].think: expected boolean, got string \"sometimes\""));
    EXPECT_EQ(error_of(dir, "backends: [{name: b, type: ollama}]\n"
                            "models:\n"
                            "  - name: m\n"
                            "    keep_alive: [5m]\n"),
              at(dir, "4:17: models[0].keep_alive: expected string or number, got array"));
    EXPECT_EQ(error_of(dir, "backends: [{name: b, type: ollama}]\n"
                            "models:\n"
                            "  - name: m\n"
                            "    option: {}\n"),
              at(dir, "4:5: models[0]: unknown key \"option\" (did you mean \"options\"?)"));
    EXPECT_EQ(error_of(dir, "backends: [{name: b, type: ollama}]\n"
                            "models: [{name: \"\"}]\n"),
              at(dir, "2:17: models[0].name: must not be empty"));
}

TEST(ModelsConfig, SchemaDocumentsEveryKey) {
    const json::Document schema = json::parse(models_schema_text(), "schema");
    for (const char *list : {"backends", "models"}) {
        for (const auto &key : schema["properties"][list]["items"]["properties"].GetObject()) {
            EXPECT_TRUE(key.value.HasMember("description")) << key.name.GetString();
        }
    }
}

} // namespace
} // namespace tinyllm::config

namespace tinyllm::config {
namespace {

TEST(ModelsConfigRoles, ALadderIsSmallestFirstBySizeOrByTheFilesOrder) {
    test::TempDir dir;
    const ModelsConfig c = load_models_config(dir.write("models.yaml", R"(backends:
  - {name: local, type: ollama}
models:
  - {name: "qwen2.5:3b", roles: [math]}
  - {name: "qwen2.5:0.5b", roles: [math, router]}
  - {name: mid, model: "custom", size: 1.5B, roles: [math]}
  - {name: coder, roles: [code]}
  - {name: "llama3.2:1b-instruct-q4_K_M", roles: [code]}
)"));
    EXPECT_EQ(c.role_ladder("math"),
              (std::vector<std::string>{"qwen2.5:0.5b", "mid", "qwen2.5:3b"}));
    EXPECT_EQ(c.role_ladder("math", 1.5e9), (std::vector<std::string>{"mid", "qwen2.5:3b"}));
    // One model of unknown size: the file's order, and it never meets a minimum size.
    EXPECT_EQ(c.role_ladder("code"),
              (std::vector<std::string>{"coder", "llama3.2:1b-instruct-q4_K_M"}));
    EXPECT_EQ(c.role_ladder("code", 5e8),
              (std::vector<std::string>{"llama3.2:1b-instruct-q4_K_M"}));
    EXPECT_TRUE(c.role_ladder("vision").empty());
    EXPECT_EQ(c.roles(), (std::vector<std::string>{"code", "math", "router"}));
    EXPECT_EQ(c.models[2].size, 1.5e9); // `size` wins over the tag ("custom" has none)
    EXPECT_EQ(c.models[1].size, 5e8);   // from the tag
    EXPECT_EQ(c.models[3].size, 0);     // neither: unknown
}

TEST(ModelsConfigRoles, SizesParse) {
    EXPECT_EQ(parse_model_size("1.5b"), 1.5e9);
    EXPECT_EQ(parse_model_size("500M"), 5e8);
    EXPECT_EQ(parse_model_size("7B"), 7e9);
    for (const char *bad : {"", "b", "1.5", "1..5b", ".5b", "1.5g", "latest"})
        EXPECT_FALSE(parse_model_size(bad)) << bad;
}

TEST(ModelsConfigRoles, ASizeThatIsNotOneIsAnErrorAtItsLine) {
    test::TempDir dir;
    const std::string e = test::config_error([&] {
        load_models_config(
            dir.write("models.yaml",
                      "backends: [{name: l, type: ollama}]\nmodels:\n  - {name: m, size: big}\n"));
    });
    EXPECT_NE(e.find("models.yaml:3:"), std::string::npos) << e;
    EXPECT_NE(e.find("models[0].size"), std::string::npos) << e;
}

} // namespace
} // namespace tinyllm::config
