#include "plugin/loader.hpp"

#include "tinyllm/json.hpp"

#include <boost/dll/shared_library.hpp>
#include <boost/filesystem/path.hpp>

#include <dlfcn.h>

#include <fstream>

namespace tinyllm::plugin {

std::string_view to_string(FailureKind kind) noexcept {
    switch (kind) {
    case FailureKind::not_a_plugin: return "not a plugin";
    case FailureKind::abi_mismatch: return "ABI mismatch";
    case FailureKind::missing_dependency: return "missing dependency";
    case FailureKind::invalid_descriptor: return "invalid descriptor";
    case FailureKind::init_failed: return "init failed";
    case FailureKind::duplicate: return "duplicate";
    case FailureKind::crashed: return "crashed while loading";
    case FailureKind::hung: return "hung while loading";
    case FailureKind::unsupported_kind: return "unsupported kind";
    }
    return "unknown";
}

std::optional<FailureKind> parse_failure_kind(std::string_view text) noexcept {
    for (FailureKind k :
         {FailureKind::not_a_plugin, FailureKind::abi_mismatch, FailureKind::missing_dependency,
          FailureKind::invalid_descriptor, FailureKind::init_failed, FailureKind::duplicate,
          FailureKind::crashed, FailureKind::hung, FailureKind::unsupported_kind}) {
        if (to_string(k) == text) return k;
    }
    return std::nullopt;
}

LoadedPlugin::~LoadedPlugin() {
    if (descriptor != nullptr && descriptor->deinit != nullptr) descriptor->deinit();
}

namespace {

std::string version_text(tllm_abi_version v) {
    return std::to_string(v.major) + "." + std::to_string(v.minor);
}

bool has_elf_magic(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    in.read(magic, sizeof magic);
    return in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' &&
           magic[3] == 'F';
}

// dlopen's reason. Boost.DLL 1.74 reports only a generic error code, but it makes no other dl*
// call after the failing dlopen, so dlerror() still holds the loader's own message.
std::string dl_reason() {
    const char *text = ::dlerror();
    return text != nullptr ? text : "the dynamic loader gave no reason";
}

LoadFailure open_failure(const std::filesystem::path &path) {
    std::string reason = dl_reason();
    // dlerror() often starts with the path, which every report already names.
    if (const std::string prefix = path.string() + ": "; reason.starts_with(prefix)) {
        reason.erase(0, prefix.size());
    }
    if (!has_elf_magic(path)) {
        return {path, FailureKind::not_a_plugin, "not a shared library (" + reason + ")"};
    }
    // A library the plugin links that is absent, or a symbol it needs that nothing provides.
    if (reason.find("cannot open shared object file") != std::string::npos ||
        reason.find("undefined symbol") != std::string::npos ||
        reason.find("version `") != std::string::npos) {
        return {path, FailureKind::missing_dependency, reason};
    }
    return {path, FailureKind::not_a_plugin, "cannot load: " + reason};
}

bool valid_component_name(const char *name) {
    if (name == nullptr || *name == '\0') return false;
    for (const char *p = name; *p; ++p) {
        const char c = *p;
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

// A tool's table must be complete: the host sends its schema to models and validates every
// call against it, so a schema that does not parse would fail on every call instead of once.
std::string tool_problem(const tllm_component &c) {
    const auto *table = static_cast<const tllm_tool_v1 *>(c.vtable);
    if (table->struct_size < sizeof(tllm_tool_v1)) return "tool table struct_size too small";
    if (table->invoke == nullptr) return "tool has no invoke function";
    if (table->parameters_schema == nullptr) return "tool has no parameters_schema";
    try {
        const json::Document schema =
            json::parse_object(table->parameters_schema, "parameters_schema");
        if (json::get_string(schema, "type") != "object") {
            return "parameters_schema must describe an object (\"type\": \"object\")";
        }
    } catch (const Error &e) {
        return e.what();
    }
    return {};
}

// A judge without grade could never answer; compare is optional.
std::string judge_problem(const tllm_component &c) {
    const auto *table = static_cast<const tllm_judge_v1 *>(c.vtable);
    if (!TLLM_HAS_FIELD(table, tllm_judge_v1, grade)) return "judge table struct_size too small";
    if (table->grade == nullptr) return "judge has no grade function";
    return {};
}

// A mutation without propose could never propose anything.
std::string mutation_problem(const tllm_component &c) {
    const auto *table = static_cast<const tllm_mutation_v1 *>(c.vtable);
    if (!TLLM_HAS_FIELD(table, tllm_mutation_v1, propose)) {
        return "mutation table struct_size too small";
    }
    if (table->propose == nullptr) return "mutation has no propose function";
    return {};
}

bool known_kind(std::string_view kind) {
    return kind == TLLM_KIND_BACKEND || kind == TLLM_KIND_NODE || kind == TLLM_KIND_TOOL ||
           kind == TLLM_KIND_JUDGE || kind == TLLM_KIND_MUTATION;
}

// Empty when the component honours the contract, else why not.
std::string component_problem(const tllm_component &c) {
    if (c.struct_size < sizeof(tllm_component)) return "struct_size too small";
    if (c.kind == nullptr || *c.kind == '\0') return "no kind";
    if (!valid_component_name(c.name)) return "name must match [a-z0-9_.-]+";
    if (c.create == nullptr || c.destroy == nullptr) return "create and destroy are required";
    if (c.vtable == nullptr) return "no vtable";
    if (c.config_schema != nullptr) {
        try {
            json::parse_object(c.config_schema, "config_schema");
        } catch (const Error &e) {
            return e.what();
        }
    }
    if (std::string_view(c.kind) == TLLM_KIND_TOOL) return tool_problem(c);
    if (std::string_view(c.kind) == TLLM_KIND_JUDGE) return judge_problem(c);
    if (std::string_view(c.kind) == TLLM_KIND_MUTATION) return mutation_problem(c);
    return {};
}

} // namespace

std::string describe(const LoadFailure &failure) {
    // "ABI mismatch (plugin 2.0, host 1.0): ..." reads as one phrase; the others take a colon.
    const char *sep = failure.message.starts_with("(") ? " " : ": ";
    return std::string(to_string(failure.kind)) + sep + failure.message;
}

std::string abi_incompatibility(tllm_abi_version plugin_abi) {
    const tllm_abi_version host{TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR};
    const std::string both =
        "(plugin " + version_text(plugin_abi) + ", host " + version_text(host) + ")";
    if (plugin_abi.major != host.major) {
        return both + ": rebuild the plugin against this host's SDK";
    }
    if (plugin_abi.minor > host.minor) {
        return both + ": the plugin needs a newer host";
    }
    return {};
}

LoadResult load_plugin(const std::filesystem::path &path,
                       std::vector<LoadFailure> &component_failures) {
    auto plugin = std::make_unique<LoadedPlugin>();
    plugin->path = path;

    // RTLD_NOW: an unresolved symbol fails here, with the loader's message, not at first call.
    // RTLD_LOCAL: two plugins may use different versions of the same library.
    boost::system::error_code ec;
    ::dlerror(); // clear any stale message
    plugin->library.load(boost::filesystem::path(path.string()),
                         boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
    if (ec || !plugin->library.is_loaded()) return open_failure(path);

    if (!plugin->library.has(TLLM_PLUGIN_ENTRY_SYMBOL)) {
        return LoadFailure{path, FailureKind::not_a_plugin,
                           std::string("not a TinyLLM plugin (no ") + TLLM_PLUGIN_ENTRY_SYMBOL +
                               " symbol)"};
    }
    const auto entry =
        plugin->library.get<const tllm_plugin_descriptor *()>(TLLM_PLUGIN_ENTRY_SYMBOL);
    const tllm_plugin_descriptor *d = entry();
    if (d == nullptr) {
        return LoadFailure{path, FailureKind::invalid_descriptor,
                           "tinyllm_plugin_entry returned NULL"};
    }
    // Only the first field may be read before the version check: the rest of the layout
    // belongs to the plugin's ABI version.
    if (std::string why = abi_incompatibility(d->abi); !why.empty()) {
        return LoadFailure{path, FailureKind::abi_mismatch, why};
    }
    if (d->struct_size < sizeof(tllm_plugin_descriptor)) {
        return LoadFailure{path, FailureKind::invalid_descriptor,
                           "descriptor struct_size " + std::to_string(d->struct_size) +
                               " is smaller than ABI " + std::to_string(TLLM_ABI_VERSION_MAJOR) +
                               ".0's"};
    }
    if (d->id == nullptr || *d->id == '\0' || d->name == nullptr || d->version == nullptr) {
        return LoadFailure{path, FailureKind::invalid_descriptor,
                           "descriptor must set id, name and version"};
    }
    if (d->component_count > 0 && d->components == nullptr) {
        return LoadFailure{path, FailureKind::invalid_descriptor,
                           "descriptor has components but a NULL components array"};
    }
    if (d->init != nullptr) {
        char error[512] = {};
        std::error_code ec_abs;
        const std::filesystem::path own_path = std::filesystem::absolute(path, ec_abs);
        const tllm_status st = d->init((ec_abs ? path : own_path).c_str(), error, sizeof error);
        if (st != TLLM_OK) {
            error[sizeof error - 1] = '\0';
            return LoadFailure{path, FailureKind::init_failed,
                               std::string("plugin ") + d->id + ": " +
                                   (error[0] ? error : std::string(status_name(st)))};
        }
    }
    plugin->descriptor = d;
    // The array's stride is the plugin's sizeof(tllm_component): a plugin built against a newer
    // minor version has longer entries, whose first fields are still these.
    const size_t stride =
        d->component_count > 0 && d->components[0].struct_size > sizeof(tllm_component)
            ? d->components[0].struct_size
            : sizeof(tllm_component);
    const auto *base = reinterpret_cast<const unsigned char *>(d->components);
    for (uint32_t i = 0; i < d->component_count; ++i) {
        const tllm_component &c = *reinterpret_cast<const tllm_component *>(base + i * stride);
        if (c.struct_size >= sizeof(tllm_component) && c.kind != nullptr && !known_kind(c.kind)) {
            component_failures.push_back(
                {path, FailureKind::unsupported_kind,
                 std::string("plugin ") + d->id + ": component " + (c.name ? c.name : "?") +
                     " is of kind " + c.kind + ", which this host (ABI " +
                     std::to_string(TLLM_ABI_VERSION_MAJOR) + "." +
                     std::to_string(TLLM_ABI_VERSION_MINOR) +
                     ") does not define; it is not created (kinds: " TLLM_KIND_BACKEND
                     ", " TLLM_KIND_NODE ", " TLLM_KIND_TOOL ", " TLLM_KIND_JUDGE
                     ", " TLLM_KIND_MUTATION ")"});
            continue;
        }
        if (std::string why = component_problem(c); !why.empty()) {
            component_failures.push_back({path, FailureKind::invalid_descriptor,
                                          std::string("plugin ") + d->id + ": component " +
                                              std::to_string(i) + " (" + (c.name ? c.name : "?") +
                                              "): " + why});
            continue;
        }
        plugin->components.push_back(&c);
    }
    return plugin;
}

} // namespace tinyllm::plugin
