#include "sandbox_options.hpp"

#include <tinyllm/error.hpp>
#include <tinyllm/json.hpp>
#include <tinyllm/plugin.hpp>

#include <limits>

namespace tinyllm::code_tool {

namespace {

[[noreturn]] void invalid(const std::string &message) {
    throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "code tool config: " + message);
}

int64_t read_int(const json::Value &doc, const char *key, int64_t fallback, int64_t min,
                 int64_t max) {
    const json::Value *v = json::find(doc, key);
    if (v == nullptr) return fallback;
    if (!v->IsInt64()) invalid(std::string("\"") + key + "\" must be an integer");
    const int64_t n = v->GetInt64();
    if (n < min || n > max) {
        invalid(std::string("\"") + key + "\" must be between " + std::to_string(min) + " and " +
                std::to_string(max));
    }
    return n;
}

std::string read_path(const json::Value &doc, const char *key, std::string fallback,
                      bool bare_name_ok) {
    const json::Value *v = json::find(doc, key);
    if (v == nullptr) return fallback;
    if (!v->IsString()) invalid(std::string("\"") + key + "\" must be a string");
    std::string s(v->GetString(), v->GetStringLength());
    const bool absolute = !s.empty() && s.front() == '/';
    const bool bare = !s.empty() && s.find('/') == std::string::npos;
    if (!absolute && !(bare_name_ok && bare)) {
        invalid(std::string("\"") + key + "\" must be an absolute path" +
                (bare_name_ok ? " or a bare program name" : ""));
    }
    return s;
}

} // namespace

SandboxOptions parse_options(std::string_view config_json) {
    json::Document doc;
    try {
        doc = json::parse_object(config_json.empty() ? "{}" : config_json, "code tool config",
                                 ErrorCode::invalid_argument);
    } catch (const tinyllm::Error &e) {
        throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
    }
    static constexpr const char *kKnown[] = {"timeout_ms",
                                             "cpu_seconds",
                                             "memory_mb",
                                             "max_processes",
                                             "max_file_size_mb",
                                             "max_open_files",
                                             "max_output_bytes",
                                             "python",
                                             "sh",
                                             "bwrap",
                                             "allow_unsandboxed"};
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
        const std::string_view name(it->name.GetString(), it->name.GetStringLength());
        bool known = false;
        for (const char *k : kKnown)
            known = known || name == k;
        if (!known) invalid("unknown key \"" + std::string(name) + "\"");
    }

    SandboxOptions o;
    o.timeout_ms = read_int(doc, "timeout_ms", o.timeout_ms, 1, 3600000);
    o.cpu_seconds = read_int(doc, "cpu_seconds", o.cpu_seconds, 1, 3600);
    o.memory_mb = read_int(doc, "memory_mb", o.memory_mb, 16, 65536);
    o.max_processes = read_int(doc, "max_processes", o.max_processes, 2, 4096);
    o.max_file_size_mb = read_int(doc, "max_file_size_mb", o.max_file_size_mb, 1, 65536);
    o.max_open_files = read_int(doc, "max_open_files", o.max_open_files, 16, 65536);
    o.max_output_bytes = read_int(doc, "max_output_bytes", o.max_output_bytes, 1, 64 << 20);
    o.python = read_path(doc, "python", o.python, false);
    o.sh = read_path(doc, "sh", o.sh, false);
    o.bwrap = read_path(doc, "bwrap", o.bwrap, true);
    if (const json::Value *v = json::find(doc, "allow_unsandboxed")) {
        if (!v->IsBool()) invalid("\"allow_unsandboxed\" must be a boolean");
        o.allow_unsandboxed = v->GetBool();
    }
    return o;
}

} // namespace tinyllm::code_tool
