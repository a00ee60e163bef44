// What a command needs, built on first use: the config, the plugin registry, the runtime, and
// the cancellation token Ctrl-C trips. Commands that only list plugins never touch a backend.
#pragma once

#include "cli/global_options.hpp"
#include "config/config.hpp"
#include "graph/graph.hpp"
#include "plugin/registry.hpp"
#include "prompts/prompt_library.hpp"
#include "runtime/call_context.hpp"
#include "runtime/runtime.hpp"
#include "store/run_store.hpp"

#include <chrono>
#include <memory>
#include <optional>

namespace tinyllm::cli {

class Context {
public:
    explicit Context(GlobalOptions options);
    ~Context();

    GlobalOptions &options() noexcept { return options_; }

    // The config; throws its Error (file:line:col) when it does not load.
    const config::Config &config();
    // The config, or null with the reason in `error` (for doctor and plugins list, which must
    // work, and say why, when the config is broken).
    const config::Config *try_config(std::optional<Error> &error);

    // Plugins from --plugins, TINYLLM_PLUGIN_PATH, system.yaml (when the config loads) and the
    // default directory. `log_failures` false when the command reports failures itself.
    plugin::Registry &registry(bool log_failures = true);

    // What the runtime is made for, on the first call (later calls get the same runtime; one
    // with a stricter use than before checks then what was not checked):
    // - run: the configuration problems a run would meet at the first use of a backend, tool or
    //   judge are thrown now (runtime::Runtime::check_configuration: file:line:column, exit 3,
    //   or 4 for a type no plugin provides), before any run starts;
    // - check: the same, offline (no model server is contacted): `graph validate` and `config
    //   check`, which load what a run loads;
    // - diagnose: nothing thrown, every problem kept where it was found: `doctor` reports each.
    enum class RuntimeUse { run, check, diagnose };
    runtime::Runtime &runtime(RuntimeUse use = RuntimeUse::run);

    // The graph in `file` loaded as a run loads it, offline (graph::BuildMode::check, with
    // runtime(RuntimeUse::check)): the one validation path of `graph validate` and `config
    // check`. Throws what a run would meet at load; warnings in Graph::warnings.
    std::unique_ptr<graph::Graph> check_graph(const std::filesystem::path &file);

    // The prompt files: the config dir's prompts/, then the installed ones; loaded and checked
    // on first use (throws the first file's Error, file:line:col).
    const prompts::Library &prompts();

    // The run store in system.yaml's data_dir (runs.db), opened on first use.
    store::RunStore &store();

    // A graph file: FILE if it is a path to one, else the config dir's graphs/NAME.yaml.
    std::filesystem::path graph_path(const std::string &name_or_file);

    // The graph a run of NAME or FILE uses: the file's content recorded as a version when it is
    // new (then it is the active version), and the graph's active version loaded: the file's,
    // or a promoted candidate's, or the one a rollback chose (versions/active_graph.hpp).
    graph::GraphDef graph_to_run(const std::string &name_or_file);

    // Tripped by SIGINT while a command runs.
    runtime::CancelToken cancel_token() const { return cancel_; }

    // A thread was left running inside a plugin that did not stop when asked (run_guard.hpp):
    // the command must end the process without destroying what that thread may still be using
    // (the runtime, the plugins). app.cpp then exits at once after reporting.
    // How long creating and activating components may take (SetupWatchdog).
    std::chrono::milliseconds setup_budget();
    // The context of a control call to a model server (version, model list, a model's
    // details): cancellable, and bounded by system.yaml's limits.control_timeout_ms.
    runtime::CallContext control_call(runtime::EventSink sink = nullptr);
    // The time a command's work may take, from now: `--timeout MS` when given (> 0), else
    // limits.request_timeout_ms; no deadline when that is 0. `name` says which, for the error
    // when it runs out ("limits.request_timeout_ms = 300000 ms", "--timeout 5000 ms").
    struct TimeBudget {
        std::optional<runtime::Clock::time_point> deadline;
        std::string name;
    };
    TimeBudget time_budget(int64_t timeout_flag_ms);

    void abandon_work() noexcept { abandoned_ = true; }
    bool work_abandoned() const noexcept { return abandoned_; }

private:
    void apply_logging(const config::Config *config);

    GlobalOptions options_;
    std::optional<config::Config> config_;
    std::optional<Error> config_error_;
    bool config_tried_ = false;
    std::unique_ptr<plugin::Scanner> scanner_; // before the registry, which uses it
    std::unique_ptr<plugin::Registry> registry_;
    std::optional<prompts::Library> prompts_;
    std::unique_ptr<runtime::Runtime> runtime_;
    bool runtime_checked_ = false; // check_configuration has passed
    std::unique_ptr<store::RunStore> store_;
    runtime::CancelToken cancel_;
    bool abandoned_ = false;
};

} // namespace tinyllm::cli
