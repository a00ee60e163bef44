#include "prompts/prompt_library.hpp"

#include "config/suggest.hpp"
#include "prompts/prompt_file.hpp"
#include "tinyllm/error.hpp"

#include <algorithm>
#include <set>

namespace tinyllm::prompts {

namespace fs = std::filesystem;

namespace {

// prompts/specialists/math.yaml -> "specialists/math"
std::string id_of(const fs::path &file, const fs::path &dir) {
    fs::path rel = file.lexically_relative(dir);
    rel.replace_extension();
    return rel.generic_string();
}

std::vector<fs::path> yaml_files(const fs::path &dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return files;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        const fs::path &p = it->path();
        if ((p.extension() == ".yaml" || p.extension() == ".yml") && it->is_regular_file(ec)) {
            files.push_back(p);
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace

Library Library::load(std::vector<fs::path> dirs) {
    Library lib;
    std::set<std::string> seen;
    for (const fs::path &dir : dirs) {
        for (const fs::path &file : yaml_files(dir)) {
            const std::string id = id_of(file, dir);
            if (!seen.insert(id).second) continue; // an earlier dir's prompt overrides it
            lib.prompts_.push_back(load_prompt_file(file, id));
        }
    }
    std::sort(lib.prompts_.begin(), lib.prompts_.end(),
              [](const Prompt &a, const Prompt &b) { return a.id < b.id; });
    lib.dirs_ = std::move(dirs);
    return lib;
}

const Prompt *Library::find(const std::string &id) const {
    const auto it =
        std::lower_bound(prompts_.begin(), prompts_.end(), id,
                         [](const Prompt &p, const std::string &k) { return p.id < k; });
    return it != prompts_.end() && it->id == id ? &*it : nullptr;
}

const Prompt &Library::get(const std::string &id) const {
    if (const Prompt *p = find(id)) return *p;
    std::string where;
    for (const fs::path &d : dirs_)
        where += (where.empty() ? "" : ", ") + d.string();
    std::vector<std::string> ids;
    for (const Prompt &p : prompts_)
        ids.push_back(p.id);
    throw Error(ErrorCode::not_found,
                "no prompt \"" + id + "\" (looked in " + (where.empty() ? "no dir" : where) + ")" +
                    config::did_you_mean(id, ids, "prompts", "prompts: none"));
}

} // namespace tinyllm::prompts
