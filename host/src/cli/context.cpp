#include "cli/context.hpp"

#include "graph/graph_builder.hpp"
#include "graph/graph_def.hpp"
#include "store/graph_store.hpp"
#include "versions/active_graph.hpp"

#include "cli/run_guard.hpp"

#include "cli/terminal.hpp"
#include "config/suggest.hpp"
#include "isolation/plugin_process.hpp"
#include "logging/logging.hpp"
#include "runtime/crash_report.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <mutex>
#include <unistd.h>

namespace tinyllm::cli {
namespace {

// The token SIGINT trips. A signal handler may only touch lock-free atomics, so it holds a
// pointer to the flag owned by the token.
std::atomic<bool> *g_interrupt_flag = nullptr;

std::atomic<int> g_interrupts{0};

// The first Ctrl-C cancels the command's work, which ends it cleanly (and records the run);
// a second one means "now": the process exits at once, saying so. SIGTERM (a service manager,
// `kill`) and SIGHUP (the terminal went away) are the same request to stop: the run is
// recorded as cancelled with what it had, not left "running". Only async-signal-safe calls here.
extern "C" void on_interrupt(int) {
    if (g_interrupts.fetch_add(1) == 0) {
        if (g_interrupt_flag != nullptr) g_interrupt_flag->store(true);
        return;
    }
    static const char kMessage[] =
        "\ntinyllm: interrupted again: exiting now (a run in progress is recorded as "
        "interrupted at the next start)\n";
    const ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    (void)ignored;
    ::_exit(130);
}

std::string effective_level(const GlobalOptions &opts, const config::Config *config) {
    if (opts.log_level) {
        if (!logging::parse_level(*opts.log_level)) {
            throw Error(ErrorCode::usage, "--log-level: unknown level \"" + *opts.log_level +
                                              "\" (use trace, debug, info, warn, error or off)");
        }
        return *opts.log_level;
    }
    if (opts.verbosity >= 2) return "trace";
    if (opts.verbosity == 1) return "debug";
    if (config != nullptr) return std::string(config::to_string(config->system.logging.level));
    // Before the config is loaded: a bad value is left for the config loader, which blames
    // the variable by name.
    if (const char *env = std::getenv("TINYLLM_LOG_LEVEL");
        env != nullptr && logging::parse_level(env)) {
        return env;
    }
    return "warn";
}

} // namespace

Context::Context(GlobalOptions options) : options_(std::move(options)) {
    apply_logging(nullptr);
    static_assert(std::atomic<bool>::is_always_lock_free);
    g_interrupt_flag = cancel_.raw_flag();
    for (const int sig : {SIGINT, SIGTERM, SIGHUP})
        std::signal(sig, on_interrupt);
    runtime::install_crash_handler();
}

store::RunStore &Context::store() {
    if (!store_) {
        store::StoreOptions so;
        so.path = config().system.data_dir / "runs.db";
        store_ = store::RunStore::open(so);
    }
    return *store_;
}

std::filesystem::path Context::graph_path(const std::string &name) {
    if (std::filesystem::is_regular_file(name)) return name;
    const config::Config &c = config();
    std::vector<std::string> known;
    for (const auto &file : c.graph_files) {
        if (file.stem() == name) return file;
        known.push_back(file.stem().string());
    }
    throw Error(ErrorCode::not_found,
                "no graph \"" + name + "\": not a file, and not in " + (c.dir / "graphs").string() +
                    config::did_you_mean(name, known, "graphs", "graphs: none"));
}

graph::GraphDef Context::graph_to_run(const std::string &name) {
    graph::GraphDef file = graph::load_graph_def(graph_path(name));
    store::GraphStore graphs(store());
    return versions::resolve_active(graphs, std::move(file)).def;
}

Context::~Context() {
    for (const int sig : {SIGINT, SIGTERM, SIGHUP})
        std::signal(sig, SIG_DFL);
    g_interrupt_flag = nullptr;
    // Instances go before the libraries that contain their code.
    store_.reset();
    runtime_.reset();
    registry_.reset();
}

void Context::apply_logging(const config::Config *config) {
    logging::Options lo;
    lo.level = effective_level(options_, config);
    lo.color = color_enabled(stderr);
    if (config != nullptr) lo.file = config->system.logging.file.string();
    logging::setup(lo);
}

const config::Config *Context::try_config(std::optional<Error> &error) {
    if (!config_tried_) {
        config_tried_ = true;
        try {
            config::LoadOptions lo;
            lo.config_dir = options_.config_dir;
            if (const auto prefix = plugin::install_prefix(); !prefix.empty()) {
                lo.installed_dir = prefix / "share" / "tinyllm" / "config";
            }
            config::Config loaded = config::load(lo);
            try {
                apply_logging(&loaded);
            } catch (const Error &e) {
                // A log file that cannot be opened (`logging.file: /`) was once dropped
                // without a word; it is the config's error, and no command runs without it.
                throw Error(ErrorCode::config,
                            (loaded.dir / "system.yaml").string() + ": logging.file: " + e.what());
            }
            config_ = std::move(loaded);
        } catch (const Error &e) {
            config_error_ = e;
        }
    }
    if (config_error_) error = config_error_;
    return config_ ? &*config_ : nullptr;
}

const config::Config &Context::config() {
    std::optional<Error> error;
    const config::Config *c = try_config(error);
    if (c == nullptr) throw *error;
    return *c;
}

namespace {

// Plugins the config isolates run in a process of their own (isolation/plugin_process.hpp).
plugin::Registry::Isolation isolation_for(const config::SystemConfig &system) {
    isolation::ProcessOptions options;
    options.plugin_host = plugin::default_plugin_host();
    options.start_timeout = std::chrono::milliseconds(system.limits.plugin_scan_timeout_ms);
    options.max_crashes = system.isolation.max_crashes;
    options.log_level = std::string(config::to_string(system.logging.level));
    plugin::Registry::Isolation isolation;
    isolation.isolated = [rules = system.isolation](const std::filesystem::path &path,
                                                    std::string_view id) {
        return rules.isolated(path, id);
    };
    isolation.load = [options](const std::filesystem::path &path) {
        return isolation::load_isolated(path, options);
    };
    return isolation;
}

} // namespace

plugin::Registry &Context::registry(bool log_failures) {
    if (!registry_) {
        std::optional<Error> ignored;
        const config::Config *config = try_config(ignored);
        plugin::DiscoveryOptions d;
        d.cli_paths = options_.plugin_paths;
        if (const char *env = std::getenv("TINYLLM_PLUGIN_PATH")) d.env_path = env;
        if (config != nullptr) d.config_paths = config->system.plugins;
        d.use_default = !options_.no_default_plugins;
        // Plugins are scanned in a child process first, so one that crashes or hangs in init
        // is reported and skipped; without a loadable config there is no data dir, so no
        // cache either (each file is scanned, once per command).
        plugin::Scanner::Options so;
        if (config != nullptr) {
            so.cache_file = config->system.data_dir / "plugin-scan.json";
            so.timeout = std::chrono::milliseconds(config->system.limits.plugin_scan_timeout_ms);
        }
        scanner_ = std::make_unique<plugin::Scanner>(std::move(so));
        registry_ = std::make_unique<plugin::Registry>();
        registry_->set_scanner(scanner_.get());
        if (config != nullptr) registry_->set_isolation(isolation_for(config->system));
        registry_->set_log_failures(log_failures);
        registry_->load(plugin::search_paths(d));
    }
    return *registry_;
}

std::chrono::milliseconds Context::setup_budget() {
    return std::chrono::milliseconds(config().system.limits.request_timeout_ms);
}

runtime::CallContext Context::control_call(runtime::EventSink sink) {
    const int64_t budget = config().system.limits.control_timeout_ms;
    std::optional<runtime::Clock::time_point> deadline;
    if (budget > 0) deadline = runtime::Clock::now() + std::chrono::milliseconds(budget);
    return runtime::CallContext(cancel_token(), deadline, std::move(sink));
}

Context::TimeBudget Context::time_budget(int64_t timeout_flag_ms) {
    const int64_t ms =
        timeout_flag_ms > 0 ? timeout_flag_ms : config().system.limits.request_timeout_ms;
    if (ms <= 0) return {};
    return {runtime::Clock::now() + std::chrono::milliseconds(ms),
            (timeout_flag_ms > 0 ? "--timeout " : "limits.request_timeout_ms = ") +
                std::to_string(ms) + " ms"};
}

runtime::Runtime &Context::runtime(RuntimeUse use) {
    if (!runtime_) {
        const config::Config &c = config();
        plugin::Registry &plugins = registry();
        const SetupWatchdog watchdog(setup_budget());
        const prompts::Library &library = prompts();
        runtime_ = std::make_unique<runtime::Runtime>(c, plugins, &library);
        runtime_->set_offline(use == RuntimeUse::check);
    }
    if (use != RuntimeUse::diagnose && !runtime_checked_) {
        const SetupWatchdog watchdog(setup_budget());
        runtime_->check_configuration();
        runtime_checked_ = true;
    }
    return *runtime_;
}

std::unique_ptr<graph::Graph> Context::check_graph(const std::filesystem::path &file) {
    graph::GraphDef def = graph::load_graph_def(file);
    runtime::Runtime &rt = runtime(RuntimeUse::check);
    const SetupWatchdog watchdog(setup_budget());
    return graph::build_graph(std::move(def), registry(), &rt, graph::BuildMode::check);
}

const prompts::Library &Context::prompts() {
    if (!prompts_) {
        std::vector<std::filesystem::path> dirs{config().dir / "prompts"};
        if (const auto prefix = plugin::install_prefix(); !prefix.empty()) {
            dirs.push_back(prefix / "share" / "tinyllm" / "prompts");
        }
        prompts_ = prompts::Library::load(std::move(dirs));
    }
    return *prompts_;
}

} // namespace tinyllm::cli
