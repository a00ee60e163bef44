// Bad configs and datasets fail create with one clear line naming the key or FILE:LINE; the
// plugin's schema documents every key, and relative dataset paths find the shipped datasets
// through the plugin's own path (init).
#include "sim_support.hpp"

#include <tinyllm/plugin.h>

#include <rapidjson/schema.h>

#include <filesystem>
#include <fstream>

namespace tinyllm::sim::test {
namespace {

namespace fs = std::filesystem;

// The message of the sdk::Error `f` throws, with TLLM_ERR_INVALID_ARGUMENT (a config error).
template <class F> std::string config_error(F &&f) {
    try {
        f();
    } catch (const sdk::Error &e) {
        EXPECT_EQ(e.status(), TLLM_ERR_INVALID_ARGUMENT) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected a config error";
    return {};
}

std::string load_error(const std::string &config) {
    return config_error([&] { simulator(config); });
}

class TempDir {
public:
    TempDir() {
        std::string t = (fs::temp_directory_path() / "tinyllm-sim-XXXXXX").string();
        if (::mkdtemp(t.data()) == nullptr) throw std::runtime_error("mkdtemp");
        path_ = t;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    fs::path write(const std::string &name, const std::string &text) const {
        const fs::path p = path_ / name;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << text;
        return p;
    }
    const fs::path &path() const { return path_; }

private:
    fs::path path_;
};

TEST(SimConfig, ModelSettingsAreCheckedAndNamed) {
    EXPECT_EQ(load_error(R"({"datasets":["general.jsonl"],"models":{"m":{}}})"),
              "sim backend config: models.m.size is required (\"0.5b\", \"1.5b\"): latency "
              "scales with it");
    EXPECT_EQ(load_error(R"({"datasets":["general.jsonl"],"models":{"m":{"size":"big"}}})"),
              "sim backend config: models.m.size \"big\" is not a model size (0.5b, 1.5b, 700m)");
    EXPECT_EQ(load_error(R"({"datasets":["general.jsonl"],"models":{"m":{"size":"1b",)"
                         R"("accuracy":{"code":1.5}}}})"),
              "sim backend config: models.m.accuracy.code must be between 0 and 1");
    EXPECT_EQ(
        load_error(R"({"datasets":["general.jsonl"],"models":{"m":{"size":"1b","speed":2}}})"),
        "sim backend config: models.m.speed is not a model setting (size, accuracy, "
        "default_accuracy, tool_call_rate, latency)");
    EXPECT_EQ(load_error(R"({"datasets":["general.jsonl"],"models":{}})"),
              "sim backend config: models must name at least one simulated model");
    EXPECT_EQ(load_error(R"({"datasets":[],"models":{"m":{"size":"1b"}}})"),
              "sim backend config: datasets must name at least one dataset file");
    EXPECT_EQ(load_error(R"({"seed":1.5,"models":{"m":{"size":"1b"}}})"),
              "sim backend config: seed must be an integer");
}

TEST(SimConfig, DatasetProblemsNameTheFileAndLine) {
    const TempDir dir;
    const std::string models = R"(,"models":{"m":{"size":"1b"}}})";
    const auto with = [&](const fs::path &p) {
        return R"({"datasets":[")" + p.string() + "\"]" + models;
    };
    const fs::path missing = dir.path() / "missing.jsonl";
    EXPECT_EQ(load_error(with(missing)),
              "sim backend dataset " + missing.string() + ": cannot be read");
    const fs::path broken = dir.write("broken.jsonl", "{\"id\":\"a\",\"input\":\"x\"}\n\n{oops\n");
    EXPECT_EQ(load_error(with(broken)), "sim backend dataset " + broken.string() + ":3: not JSON");
    const fs::path no_input = dir.write("no_input.jsonl", "{\"id\":\"a\",\"expected\":\"1\"}\n");
    EXPECT_EQ(load_error(with(no_input)),
              "sim backend dataset " + no_input.string() + ":1: no \"input\"");
    const fs::path twice = dir.write("twice.jsonl", "{\"id\":\"a\",\"input\":\"x\"}\n"
                                                    "{\"id\":\"b\",\"input\":\"x\"}\n");
    EXPECT_EQ(load_error(with(twice)),
              "sim backend dataset " + twice.string() + ":2: repeats the input of twice.jsonl:1");
    EXPECT_EQ(config_error([&] {
                  Simulator(SimConfig::from_json(R"({"datasets":["x.jsonl"])" + models), "");
              }),
              "sim backend: dataset \"x.jsonl\" is a relative path, and the shipped datasets were "
              "not found next to the plugin: give an absolute path");
}

// ---- the plugin through its C ABI (plugin.cpp is compiled into this test) ------------------

const tllm_component &component() {
    const tllm_plugin_descriptor *d = tinyllm_plugin_entry();
    EXPECT_EQ(d->component_count, 1u);
    return d->components[0];
}

// create() with `config`: the status, and the error text when it failed.
std::pair<tllm_status, std::string> create(const std::string &config) {
    tinyllm::testing::TestHost host;
    void *instance = nullptr;
    char error[512] = "";
    const tllm_status status =
        component().create(host.raw(), config.c_str(), &instance, error, sizeof error);
    if (instance != nullptr) component().destroy(instance);
    return {status, error};
}

TEST(SimPlugin, DescribesItselfAsASimulation) {
    const tllm_plugin_descriptor *d = tinyllm_plugin_entry();
    EXPECT_STREQ(d->id, "org.tinyllm.sim");
    EXPECT_NE(std::string(d->description).find("SIMULATION"), std::string::npos);
    EXPECT_STREQ(component().kind, TLLM_KIND_BACKEND);
    EXPECT_STREQ(component().name, "sim");
    EXPECT_NE(std::string(component().description).find("SIMULATED"), std::string::npos);
    const auto &v = *static_cast<const tllm_backend_v1 *>(component().vtable);
    EXPECT_TRUE(v.chat && v.generate && v.embed && v.list_models && v.show_model && v.pull_model &&
                v.server_version);
}

TEST(SimPlugin, TheSchemaIsValidAndItsExampleAndDefaultsFitIt) {
    json::Document schema_doc = json::parse_object(component().config_schema, "schema");
    const json::Value &props = schema_doc["properties"];
    for (const char *key :
         {"datasets", "seed", "time_scale", "slip_rate", "embedding_dimensions", "models"}) {
        ASSERT_TRUE(props.HasMember(key)) << key;
        EXPECT_TRUE(props[key].HasMember("description")) << key;
    }
    EXPECT_TRUE(props["datasets"]["items"]["x-path"].GetBool());
    for (const json::Value &name : props["datasets"]["default"].GetArray()) {
        EXPECT_TRUE(fs::exists(fs::path(kDatasetsDir) / name.GetString())) << name.GetString();
    }
    const rapidjson::SchemaDocument schema(schema_doc);
    rapidjson::SchemaValidator validator(schema);
    EXPECT_TRUE(schema_doc["examples"][0].Accept(validator));
}

TEST(SimPlugin, ABadConfigIsAConfigErrorFromCreate) {
    const auto [status, error] = create(R"({"models":{"m":{"size":"1b","tool_call_rate":2}}})");
    EXPECT_EQ(status, TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(error, "sim backend config: models.m.tool_call_rate must be between 0 and 1");
}

TEST(SimPlugin, RelativeDatasetsAreFoundBesideThePluginsInstallPrefix) {
    const TempDir prefix;
    prefix.write("share/tinyllm/eval/mine.jsonl",
                 "{\"id\":\"q1\",\"input\":\"What is 1 + 1?\",\"expected\":\"2\"}\n");
    const std::string plugin = (prefix.path() / "lib/tinyllm/plugins/tinyllm-sim.so").string();
    char error[256] = "";
    ASSERT_EQ(tinyllm_plugin_entry()->init(plugin.c_str(), error, sizeof error), TLLM_OK);
    EXPECT_EQ(create(R"({"datasets":["mine.jsonl"],"models":{"m":{"size":"1b"}}})").first, TLLM_OK);
    const auto [status, message] =
        create(R"({"datasets":["other.jsonl"],"models":{"m":{"size":"1b"}}})");
    EXPECT_EQ(status, TLLM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(message, "sim backend dataset " +
                           (prefix.path() / "share/tinyllm/eval/other.jsonl").string() +
                           ": cannot be read");
}

} // namespace
} // namespace tinyllm::sim::test
