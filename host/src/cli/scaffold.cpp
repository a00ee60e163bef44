#include "cli/scaffold.hpp"

#include "plugin/discovery.hpp"
#include "tinyllm/error.hpp"
#include "version.hpp"

#include <tinyllm/plugin.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

namespace tinyllm::cli {
namespace fs = std::filesystem;

namespace {

std::string join(const std::vector<std::string> &words) {
    std::string out;
    for (const auto &w : words)
        out += (out.empty() ? "" : " ") + w;
    return out;
}

bool valid_name(const std::string &name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

std::string read_file(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) throw Error(ErrorCode::io, "cannot read the template " + path.string());
    return text.str();
}

// The regular files under `dir`, relative to it, sorted (so the output is reproducible).
std::vector<fs::path> template_files(const fs::path &dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return files;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        if (it->is_regular_file()) files.push_back(it->path().lexically_relative(dir));
    }
    if (ec)
        throw Error(ErrorCode::io,
                    "cannot read the templates in " + dir.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    return files;
}

// Removes the project directory this run created when writing it fails half-way.
class CreatedDir {
public:
    explicit CreatedDir(fs::path dir) : dir_(std::move(dir)) {}
    CreatedDir(const CreatedDir &) = delete;
    CreatedDir &operator=(const CreatedDir &) = delete;
    ~CreatedDir() {
        if (dir_.empty()) return;
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    void keep() { dir_.clear(); }

private:
    fs::path dir_;
};

} // namespace

std::vector<std::string> defined_kinds() {
    std::vector<std::string> kinds;
    for (const std::string_view id :
         {TLLM_KIND_BACKEND, TLLM_KIND_NODE, TLLM_KIND_TOOL, TLLM_KIND_JUDGE, TLLM_KIND_MUTATION}) {
        // "tinyllm.backend/1" -> "backend"
        const size_t dot = id.find('.'), slash = id.find('/');
        kinds.emplace_back(id.substr(dot + 1, slash - dot - 1));
    }
    return kinds;
}

fs::path default_template_dir() {
    const fs::path prefix = plugin::install_prefix();
    return prefix.empty() ? prefix : prefix / "share" / "tinyllm" / "templates";
}

std::string class_name_for(const std::string &kind, const std::string &name) {
    std::string out;
    bool upper = true;
    for (const char c : name) {
        if (c == '-' || c == '_') {
            upper = true;
            continue;
        }
        out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
        upper = false;
    }
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out.front()))) out = "Plugin" + out;
    std::string suffix = kind;
    if (!suffix.empty()) suffix.front() = static_cast<char>(std::toupper(suffix.front()));
    return out + suffix;
}

std::string substitute(const std::string &text, const std::map<std::string, std::string> &values) {
    std::string out;
    out.reserve(text.size());
    size_t at = 0;
    while (at < text.size()) {
        const size_t open = text.find('@', at);
        if (open == std::string::npos) break;
        const size_t close = text.find('@', open + 1);
        if (close == std::string::npos) break;
        const auto it = values.find(text.substr(open + 1, close - open - 1));
        if (it == values.end()) {
            // Not a placeholder (an e-mail address, say): keep the first @ and look again from
            // the second, which may open one.
            out.append(text, at, close - at);
            at = close;
            continue;
        }
        out.append(text, at, open - at);
        out += it->second;
        at = close + 1;
    }
    out.append(text, at, std::string::npos);
    return out;
}

ScaffoldResult scaffold(const ScaffoldRequest &request) {
    const std::vector<std::string> kinds = defined_kinds();
    const std::string abi =
        std::to_string(TLLM_ABI_VERSION_MAJOR) + "." + std::to_string(TLLM_ABI_VERSION_MINOR);
    if (std::find(kinds.begin(), kinds.end(), request.kind) == kinds.end()) {
        throw Error(ErrorCode::usage, "kind '" + request.kind +
                                          "' is not defined in this SDK (ABI " + abi +
                                          " defines: " + join(kinds) + ")");
    }
    if (request.lang != "c" && request.lang != "cpp") {
        throw Error(ErrorCode::usage,
                    "unknown language '" + request.lang + "' (--lang c or --lang cpp)");
    }
    if (!valid_name(request.name)) {
        throw Error(ErrorCode::usage, "invalid NAME '" + request.name +
                                          "': use lowercase letters, digits, '_' and '-' only "
                                          "([a-z0-9_-]+)");
    }
    const fs::path lang_dir = request.templates / request.lang;
    std::error_code ec;
    if (request.templates.empty() || !fs::is_directory(lang_dir, ec)) {
        throw Error(ErrorCode::io, "no plugin templates in " + lang_dir.string() +
                                       " (they are installed with tinyllm, in "
                                       "share/tinyllm/templates; reinstall it)");
    }
    if (!fs::is_directory(lang_dir / request.kind, ec)) {
        throw Error(ErrorCode::usage, "kind '" + request.kind + "': the SDK defines tinyllm." +
                                          request.kind + "/1 but there is no " + request.lang +
                                          " template for it in " + lang_dir.string());
    }
    if (request.dir.empty()) throw Error(ErrorCode::usage, "the project directory is empty");
    if (fs::exists(fs::symlink_status(request.dir, ec))) {
        throw Error(ErrorCode::io, request.dir.string() +
                                       " already exists; refusing to overwrite it (choose another "
                                       "DIR or remove it)");
    }

    ScaffoldResult result;
    result.class_name = class_name_for(request.kind, request.name);
    const std::map<std::string, std::string> values = {
        {"NAME", request.name},
        {"KIND", request.kind},
        {"KIND_ID", "tinyllm." + request.kind + "/1"},
        {"CLASS", result.class_name},
        {"PLUGIN_ID", "org.example." + request.name},
        {"ABI", abi},
        {"ABI_MAJOR", std::to_string(TLLM_ABI_VERSION_MAJOR)},
        {"LANG", request.lang == "c" ? "C" : "C++"},
        {"SOURCE", request.name + (request.lang == "c" ? ".c" : ".cpp")},
        {"TINYLLM_VERSION", kVersion},
    };

    // common/ first, then the kind's own files, which replace common ones of the same name.
    std::map<fs::path, fs::path> sources; // project path -> template file
    for (const fs::path &sub : {fs::path("common"), fs::path(request.kind)}) {
        for (const fs::path &rel : template_files(lang_dir / sub)) {
            sources[substitute(rel.string(), values)] = lang_dir / sub / rel;
        }
    }

    if (const fs::path parent = request.dir.parent_path(); !parent.empty()) {
        fs::create_directories(parent, ec);
        if (ec) {
            throw Error(ErrorCode::io, "cannot create " + parent.string() + ": " + ec.message());
        }
    }
    // create_directory reports whether it created the directory: one that appeared meanwhile
    // is never touched.
    if (!fs::create_directory(request.dir, ec) || ec) {
        throw Error(ErrorCode::io, "cannot create " + request.dir.string() + ": " +
                                       (ec ? ec.message() : "it already exists"));
    }
    CreatedDir created(request.dir);
    for (const auto &[rel, source] : sources) {
        const fs::path target = request.dir / rel;
        fs::create_directories(target.parent_path(), ec);
        std::ofstream out(target, std::ios::binary);
        out << substitute(read_file(source), values);
        out.close();
        if (ec || !out) throw Error(ErrorCode::io, "cannot write " + target.string());
        result.files.push_back(rel);
    }
    created.keep();
    return result;
}

} // namespace tinyllm::cli
