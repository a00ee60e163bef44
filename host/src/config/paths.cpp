#include "config/paths.hpp"

namespace tinyllm::config {

std::optional<std::filesystem::path>
resolve_path(std::string_view text, const std::filesystem::path &base, const Getenv &getenv) {
    if (text == "~" || text.rfind("~/", 0) == 0) {
        const auto home = getenv("HOME");
        if (!home || home->empty()) return std::nullopt;
        std::filesystem::path out(*home);
        if (text.size() > 2) out /= std::filesystem::path(text.substr(2));
        return out.lexically_normal();
    }
    const std::filesystem::path path(text);
    if (path.is_absolute()) return path.lexically_normal();
    return (base / path).lexically_normal();
}

std::filesystem::path absolute_from(const std::filesystem::path &path,
                                    const std::filesystem::path &cwd) {
    if (path.is_absolute()) return path.lexically_normal();
    const std::filesystem::path root = cwd.empty() ? std::filesystem::current_path() : cwd;
    return (root / path).lexically_normal();
}

} // namespace tinyllm::config
