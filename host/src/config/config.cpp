#include "config/config.hpp"

#include "config/paths.hpp"
#include "config/yaml_json.hpp"

#include <algorithm>

namespace tinyllm::config {

namespace {

namespace fs = std::filesystem;

bool is_dir(const fs::path &path) {
    std::error_code ec;
    return fs::is_directory(path, ec);
}

bool is_file(const fs::path &path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

// A dir the user named must exist: silently falling back to another config would be a surprise.
ConfigDir named_dir(const fs::path &path, ConfigSource source, const fs::path &cwd,
                    const std::string &how) {
    const fs::path resolved = cwd.empty() || path.is_absolute() ? path : cwd / path;
    std::error_code ec;
    if (!fs::exists(resolved, ec)) {
        throw Error(ErrorCode::config,
                    "config dir " + resolved.string() + " (" + how + ") does not exist");
    }
    if (!is_dir(resolved)) {
        throw Error(ErrorCode::config,
                    "config dir " + resolved.string() + " (" + how + ") is not a directory");
    }
    return {resolved, source};
}

std::optional<fs::path> user_config_dir(const Getenv &getenv) {
    const auto xdg = getenv("XDG_CONFIG_HOME");
    // The XDG spec says to ignore a relative XDG_CONFIG_HOME.
    if (xdg && !xdg->empty() && fs::path(*xdg).is_absolute()) return fs::path(*xdg) / "tinyllm";
    const auto home = getenv("HOME");
    if (home && !home->empty()) return fs::path(*home) / ".config" / "tinyllm";
    return std::nullopt;
}

std::vector<fs::path> graph_files(const fs::path &dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    const fs::path graphs = dir / "graphs";
    if (!is_dir(graphs)) return out;
    for (const auto &entry : fs::directory_iterator(graphs, ec)) {
        const fs::path &path = entry.path();
        if (is_file(path) && (path.extension() == ".yaml" || path.extension() == ".yml")) {
            out.push_back(path);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

std::string_view to_string(ConfigSource source) noexcept {
    switch (source) {
    case ConfigSource::flag: return "--config";
    case ConfigSource::env: return "TINYLLM_CONFIG";
    case ConfigSource::cwd: return "./config";
    case ConfigSource::user: return "user config dir";
    case ConfigSource::installed: return "installed default";
    }
    return "unknown";
}

ConfigDir find_config_dir(const LoadOptions &options) {
    if (options.config_dir) {
        return named_dir(*options.config_dir, ConfigSource::flag, options.cwd, "from --config");
    }
    if (const auto env = options.getenv("TINYLLM_CONFIG"); env && !env->empty()) {
        return named_dir(*env, ConfigSource::env, options.cwd, "from TINYLLM_CONFIG");
    }
    const fs::path local = options.cwd.empty() ? fs::path("config") : options.cwd / "config";
    if (is_file(local / "system.yaml")) return {local, ConfigSource::cwd};
    const auto user = user_config_dir(options.getenv);
    if (user && is_dir(*user)) return {*user, ConfigSource::user};
    if (options.installed_dir && is_dir(*options.installed_dir)) {
        return {*options.installed_dir, ConfigSource::installed};
    }
    std::string tried = local.string();
    if (user) tried += ", " + user->string();
    if (options.installed_dir) tried += ", " + options.installed_dir->string();
    throw Error(ErrorCode::config, "no config dir found (tried " + tried +
                                       "); pass --config DIR or set TINYLLM_CONFIG");
}

Config load(const LoadOptions &options) {
    const ConfigDir found = find_config_dir(options);
    Config config;
    config.dir = absolute_from(found.path, options.cwd);
    config.source = found.source;
    // Messages name the files as found (often "config/system.yaml"): what the user typed. A
    // missing file is reported by the YAML loader: "config/models.yaml: cannot open: ...".
    const fs::path system_file = found.path / "system.yaml";
    const fs::path models_file = found.path / "models.yaml";
    config.system = load_system_config(system_file, config.dir, options.getenv);
    set_max_file_bytes(config.system.limits.max_file_bytes);
    config.models = load_models_config(models_file);
    config.tools = load_tools_config(found.path / "tools.yaml");
    config.judges = load_judges_config(found.path / "judges.yaml");
    config.expansion = load_expansion_config(found.path / "expansion.yaml");
    config.alerts = load_alerts_config(found.path / "alerts.yaml");
    config.graph_files = graph_files(found.path);
    return config;
}

} // namespace tinyllm::config
