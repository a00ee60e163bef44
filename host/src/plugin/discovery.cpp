#include "plugin/discovery.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <system_error>

namespace tinyllm::plugin {

namespace fs = std::filesystem;

fs::path install_prefix() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    return exe.parent_path().parent_path();
}

fs::path default_plugin_dir() {
    const fs::path prefix = install_prefix();
    return prefix.empty() ? prefix : prefix / "lib" / "tinyllm" / "plugins";
}

std::vector<SearchPath> search_paths(const DiscoveryOptions &options) {
    std::vector<SearchPath> out;
    for (const auto &p : options.cli_paths)
        out.push_back({p, "--plugins", true});
    std::stringstream env(options.env_path);
    for (std::string item; std::getline(env, item, ':');) {
        if (!item.empty()) out.push_back({item, "TINYLLM_PLUGIN_PATH", true});
    }
    for (const auto &p : options.config_paths)
        out.push_back({p, "system.yaml plugins", true});
    if (options.use_default) {
        if (fs::path dir = default_plugin_dir(); !dir.empty()) {
            out.push_back({dir, "default", false});
        }
    }
    return out;
}

namespace {

bool is_shared_object(const fs::path &p) {
    return p.extension() == ".so";
}

} // namespace

std::vector<fs::path> candidate_files(const std::vector<SearchPath> &paths,
                                      std::vector<std::string> &problems) {
    std::vector<fs::path> out;
    std::set<fs::path> seen;
    auto add = [&](const fs::path &file) {
        std::error_code ec;
        fs::path canonical = fs::canonical(file, ec);
        if (ec) canonical = fs::absolute(file);
        if (seen.insert(canonical).second) out.push_back(canonical);
    };
    for (const SearchPath &sp : paths) {
        std::error_code ec;
        const fs::file_status status = fs::status(sp.path, ec);
        if (ec || !fs::exists(status)) {
            if (sp.must_exist) {
                problems.push_back(sp.path.string() + " (from " + sp.origin +
                                   "): no such file or directory");
            }
            continue;
        }
        if (fs::is_regular_file(status)) {
            add(sp.path);
            continue;
        }
        if (!fs::is_directory(status)) {
            problems.push_back(sp.path.string() + " (from " + sp.origin +
                               "): not a file or directory");
            continue;
        }
        std::vector<fs::path> files;
        for (fs::directory_iterator it(sp.path, ec), end; !ec && it != end; it.increment(ec)) {
            if (it->is_regular_file(ec) && is_shared_object(it->path())) {
                files.push_back(it->path());
            }
        }
        if (ec) {
            problems.push_back(sp.path.string() + " (from " + sp.origin + "): " + ec.message());
            continue;
        }
        std::sort(files.begin(), files.end());
        for (const auto &f : files)
            add(f);
    }
    return out;
}

} // namespace tinyllm::plugin
