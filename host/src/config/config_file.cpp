#include "config/config_file.hpp"

#include "config/yaml_json.hpp"

namespace tinyllm::config {

ConfigFile load_config_file(const std::filesystem::path &path, const Schema &schema,
                            const Getenv &getenv) {
    YamlDocument yaml = load_yaml_file(path);
    auto document = std::make_shared<json::Document>(std::move(yaml.value));
    if (document->IsNull()) document->SetObject();
    json::Allocator &alloc = document->GetAllocator();

    ConfigFile file;
    file.path = path;
    file.positions = std::move(yaml.positions);
    apply_defaults(*document, schema.root(), alloc);
    file.env_overrides = apply_env_overrides(*document, schema.root(), alloc, getenv);
    schema.validate(*document, file.at(), file.env_overrides);
    file.document = std::move(document);
    return file;
}

} // namespace tinyllm::config
