// `tinyllm plugins new`: a new plugin project from the templates installed with the SDK
// (<prefix>/share/tinyllm/templates/<lang>/{common,<kind>}/, sdk/templates in the source tree).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tinyllm::cli {

struct ScaffoldRequest {
    std::string kind;                // backend, node, tool, judge: a kind plugin.h defines
    std::string name;                // the component name, [a-z0-9_-]+
    std::filesystem::path dir;       // where the project goes; must not exist
    std::string lang = "cpp";        // c or cpp
    std::filesystem::path templates; // the templates' root (<prefix>/share/tinyllm/templates)
};

struct ScaffoldResult {
    std::string class_name;                   // the C++ class (also set for C, unused there)
    std::vector<std::filesystem::path> files; // relative to the project, in the order written
};

// The kinds plugin.h defines (TLLM_KIND_*), by short name: backend node tool judge
// mutation.
std::vector<std::string> defined_kinds();

// <install_prefix>/share/tinyllm/templates: the build tree mirrors it.
std::filesystem::path default_template_dir();

// my-cool_plugin + backend -> MyCoolPluginBackend (Plugin... when NAME starts with a digit).
std::string class_name_for(const std::string &kind, const std::string &name);

// `text` with every @KEY@ whose KEY is in `values` replaced; other @s are left alone.
std::string substitute(const std::string &text, const std::map<std::string, std::string> &values);

// Checks the request (Error usage for a bad kind, language or name, a kind without a template;
// Error io for an existing DIR or a missing template directory) and writes the project:
// <lang>/common/ then <lang>/<kind>/ (a file in the kind's directory replaces the common one),
// with placeholders replaced in names and contents. A failure removes what it created.
ScaffoldResult scaffold(const ScaffoldRequest &request);

} // namespace tinyllm::cli
