#include "plugin/scanner.hpp"

#include "plugin/discovery.hpp"
#include "plugin/loader.hpp"
#include "process/child_process.hpp"
#include "tinyllm/json.hpp"
#include "version.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace tinyllm::plugin {

namespace fs = std::filesystem;

namespace {

// A cache written by another host version or ABI says nothing about this one.
std::string host_key() {
    return "abi " + std::to_string(TLLM_ABI_VERSION_MAJOR) + "." +
           std::to_string(TLLM_ABI_VERSION_MINOR) + ", tinyllm " + kVersion;
}

struct FileStamp {
    uintmax_t size = 0;
    int64_t mtime_ns = 0;
};

std::optional<FileStamp> stamp_of(const fs::path &path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return FileStamp{static_cast<uintmax_t>(st.st_size),
                     static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

// {"loads":true} or {"loads":false,"kind":"init failed","message":"..."}
void write_outcome(json::Value &into, const ScanOutcome &outcome, json::Allocator &alloc) {
    into.SetObject();
    into.AddMember("loads", !outcome.failure.has_value(), alloc);
    if (!outcome.id.empty()) into.AddMember("id", json::string_value(outcome.id, alloc), alloc);
    if (outcome.failure) {
        into.AddMember("kind", json::string_value(to_string(outcome.failure->kind), alloc), alloc);
        into.AddMember("message", json::string_value(outcome.failure->message, alloc), alloc);
    }
}

std::optional<ScanOutcome> read_outcome(const json::Value &v, const fs::path &path) {
    if (!v.IsObject()) return std::nullopt;
    const std::optional<bool> loads = json::get_bool(v, "loads");
    if (!loads) return std::nullopt;
    if (*loads) {
        // Isolation rules name plugins by id: an entry from before ids were recorded is scanned
        // again rather than taken as a plugin with no id.
        std::optional<std::string> id = json::get_string(v, "id");
        if (!id || id->empty()) return std::nullopt;
        return ScanOutcome{std::nullopt, std::move(*id)};
    }
    const std::optional<FailureKind> kind =
        parse_failure_kind(json::get_string(v, "kind").value_or(""));
    if (!kind) return std::nullopt;
    return ScanOutcome{LoadFailure{path, *kind, json::get_string(v, "message").value_or("")}};
}

// The last line a crashed scanner wrote to stderr, which often says why (an assertion, a
// sanitizer's summary), shortened to fit in one line of a report.
std::string last_words(const std::string &err) {
    std::string line;
    std::istringstream in(err);
    for (std::string l; std::getline(in, l);) {
        if (l.find_first_not_of(" \t\r") != std::string::npos) line = l;
    }
    if (line.size() > 200) line = line.substr(0, 197) + "...";
    return line.empty() ? "" : " (it said: " + line + ")";
}

} // namespace

fs::path default_plugin_host() {
    const fs::path prefix = install_prefix();
    return prefix.empty() ? prefix : prefix / "libexec" / "tinyllm" / "tinyllm-plugin-host";
}

Scanner::Scanner(Options options) : options_(std::move(options)) {
    load_cache();
}

Scanner::~Scanner() {
    if (dirty_) save_cache();
}

ScanOutcome Scanner::scan(const fs::path &plugin) {
    const std::optional<FileStamp> stamp = stamp_of(plugin);
    if (stamp) {
        if (auto it = cache_.find(plugin.string()); it != cache_.end() &&
                                                    it->second.size == stamp->size &&
                                                    it->second.mtime_ns == stamp->mtime_ns) {
            return it->second.outcome;
        }
    }
    ScanOutcome outcome = scan_in_child(plugin);
    if (stamp) {
        cache_[plugin.string()] = Entry{stamp->size, stamp->mtime_ns, outcome};
        dirty_ = !options_.cache_file.empty();
    }
    return outcome;
}

ScanOutcome Scanner::scan_in_child(const fs::path &plugin) const {
    std::error_code ec;
    if (options_.plugin_host.empty() || !fs::exists(options_.plugin_host, ec)) {
        spdlog::debug("no plugin scanner at {}: loading {} in this process",
                      options_.plugin_host.string(), plugin.string());
        return {};
    }
    spdlog::debug("scanning plugin {} in a child process", plugin.string());
    process::ChildResult r;
    try {
        r = process::run_child({{options_.plugin_host.string(), "scan", plugin.string()},
                                options_.timeout,
                                64 * 1024});
    } catch (const Error &e) {
        spdlog::warn("cannot scan plugin {} in a child process ({}): loading it in this process",
                     plugin.string(), e.what());
        return {};
    }
    if (r.timed_out) {
        return {LoadFailure{plugin, FailureKind::hung,
                            "no answer within " + std::to_string(options_.timeout.count()) +
                                " ms (a plugin's init must be quick)"}};
    }
    if (r.signal != 0) {
        return {LoadFailure{plugin, FailureKind::crashed,
                            process::signal_name(r.signal) + last_words(r.err)}};
    }
    if (r.exit_code != 0) {
        return {LoadFailure{plugin, FailureKind::crashed,
                            "the process exited with status " + std::to_string(r.exit_code) +
                                last_words(r.err)}};
    }
    try {
        const json::Document doc = json::parse_object(r.out, "the plugin scanner's answer");
        if (auto outcome = read_outcome(doc, plugin)) return *outcome;
    } catch (const Error &) {
    }
    return {LoadFailure{plugin, FailureKind::crashed,
                        "the scanner gave no answer" + last_words(r.err)}};
}

void Scanner::load_cache() {
    if (options_.cache_file.empty()) return;
    std::ifstream in(options_.cache_file, std::ios::binary);
    if (!in) return;
    std::stringstream text;
    text << in.rdbuf();
    try {
        const json::Document doc = json::parse_object(text.str(), "plugin scan cache");
        if (json::get_string(doc, "host") != host_key()) return;
        const json::Value *plugins = json::find(doc, "plugins");
        if (plugins == nullptr || !plugins->IsObject()) return;
        for (const auto &m : plugins->GetObject()) {
            const fs::path path(std::string(m.name.GetString(), m.name.GetStringLength()));
            const std::optional<int64_t> size = json::get_int(m.value, "size");
            const std::optional<int64_t> mtime = json::get_int(m.value, "mtime_ns");
            const json::Value *outcome = json::find(m.value, "outcome");
            if (!size || !mtime || outcome == nullptr) continue;
            if (auto o = read_outcome(*outcome, path)) {
                cache_[path.string()] = Entry{static_cast<uintmax_t>(*size), *mtime, *o};
            }
        }
    } catch (const Error &e) {
        // A damaged cache costs a rescan, nothing more.
        spdlog::debug("ignoring plugin scan cache {}: {}", options_.cache_file.string(), e.what());
    }
}

void Scanner::save_cache() const {
    json::Document doc;
    doc.SetObject();
    auto &alloc = doc.GetAllocator();
    doc.AddMember("host", json::string_value(host_key(), alloc), alloc);
    json::Value plugins(rapidjson::kObjectType);
    for (const auto &[path, entry] : cache_) {
        json::Value e(rapidjson::kObjectType);
        e.AddMember("size", static_cast<int64_t>(entry.size), alloc);
        e.AddMember("mtime_ns", entry.mtime_ns, alloc);
        json::Value outcome;
        write_outcome(outcome, entry.outcome, alloc);
        e.AddMember("outcome", outcome, alloc);
        plugins.AddMember(json::string_value(path, alloc), e, alloc);
    }
    doc.AddMember("plugins", plugins, alloc);
    // Written whole and renamed into place: a concurrent command reads the old cache or the
    // new one, never half of one.
    std::error_code ec;
    fs::create_directories(options_.cache_file.parent_path(), ec);
    const fs::path tmp =
        options_.cache_file.string() + ".tmp." + std::to_string(static_cast<long>(::getpid()));
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << json::to_pretty_string(doc) << '\n';
        if (!out.flush()) {
            spdlog::debug("cannot write plugin scan cache {}", tmp.string());
            fs::remove(tmp, ec);
            return;
        }
    }
    fs::rename(tmp, options_.cache_file, ec);
    if (ec) {
        spdlog::debug("cannot write plugin scan cache {}: {}", options_.cache_file.string(),
                      ec.message());
        fs::remove(tmp, ec);
    }
}

int scan_main(const fs::path &plugin) {
    // The answer goes to the parent on the real stdout; anything the plugin prints while
    // loading goes to stderr, where it cannot be mistaken for the answer.
    const int answer_fd = ::dup(STDOUT_FILENO);
    if (answer_fd < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        std::perror("tinyllm-plugin-host: cannot set up its output");
        return 2;
    }
    ScanOutcome outcome;
    {
        std::vector<LoadFailure> component_failures; // reported by the host's own load
        LoadResult result = load_plugin(plugin, component_failures);
        if (auto *failure = std::get_if<LoadFailure>(&result)) {
            outcome.failure = *failure;
        } else {
            outcome.id = std::get<std::unique_ptr<LoadedPlugin>>(result)->descriptor->id;
        }
        // A plugin whose deinit crashes would crash here, as the host would at exit.
    }
    json::Document doc;
    write_outcome(doc, outcome, doc.GetAllocator());
    const std::string line = json::to_string(doc) + "\n";
    size_t written = 0;
    while (written < line.size()) {
        const ssize_t n = ::write(answer_fd, line.data() + written, line.size() - written);
        if (n <= 0) return 2;
        written += static_cast<size_t>(n);
    }
    return 0;
}

} // namespace tinyllm::plugin
