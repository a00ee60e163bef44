#include "config/config_file.hpp"

#include "config/yaml_json.hpp"

namespace tinyllm::config {

ConfigFile load_config_file(const std::filesystem::path &path, const Schema &schema,
                            const Getenv &getenv) {
    return load_config_text(read_text_file(path), path, schema, getenv);
}

ConfigFile load_config_text(std::string_view text, const std::filesystem::path &path,
                            const Schema &schema, const Getenv &getenv) {
    YamlDocument yaml = parse_yaml(text, path.string());
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
