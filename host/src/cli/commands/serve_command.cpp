// tinyllm serve [--listen HOST:PORT] — the graphs as models over Ollama's API, until SIGTERM or
// SIGINT. Everything a run needs (config, plugins, runtime, store, the graphs) is loaded and
// checked before the first connection is accepted; each run is recorded like `tinyllm run`'s.
#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "cli/context.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_json.hpp"
#include "cli/run_guard.hpp"
#include "cli/store_recorder.hpp"
#include "graph/executor.hpp"
#include "graph/graph_builder.hpp"
#include "graph/observer_pair.hpp"
#include "serve/server.hpp"
#include "tinyllm/json.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include <sys/resource.h>

namespace tinyllm::cli {

namespace {

// Every config graph, built as a run builds it; one that does not build is served with its
// error (and said at start), so the others still serve.
serve::GraphCatalog build_catalog(Context &ctx) {
    serve::GraphCatalog catalog;
    for (const std::filesystem::path &file : ctx.config().graph_files) {
        serve::ServedGraph served;
        served.name = file.stem().string();
        served.model = std::string(serve::kModelPrefix) + served.name;
        try {
            graph::GraphDef def = ctx.graph_to_run(served.name);
            served.id = def.id;
            served.version = def.version;
            served.description = def.description;
            std::shared_ptr<graph::Graph> built = graph::build_graph(
                std::move(def), ctx.registry(), &ctx.runtime(), graph::BuildMode::run);
            for (const std::string &warning : built->warnings)
                spdlog::warn("{}", warning);
            served.holds_answer = serve::answer_may_change(*built);
            served.graph = std::move(built);
        } catch (const Error &e) {
            served.error = e.what();
            spdlog::warn("graph {} is not served: {}", served.name, e.what());
        }
        catalog.add(std::move(served));
    }
    if (catalog.graphs().empty()) {
        spdlog::warn("no graph to serve: {} holds none", (ctx.config().dir / "graphs").string());
    }
    return catalog;
}

// Every connection is a descriptor, and the usual soft limit (1,024) is a few hundred clients:
// take what the hard limit allows, as Go's servers do. Nothing in the host uses select(), whose
// sets stop at 1,024.
void raise_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    const rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        spdlog::warn("open files stay limited to {}: {}", before, std::strerror(errno));
    }
}

// Each backend's models, as its server lists them. [any thread: the runtime is built]
std::vector<std::string> backend_models(Context &ctx, const runtime::Runtime &rt) {
    std::vector<std::string> out;
    for (const runtime::Runtime::BackendSlot &slot : rt.backends()) {
        if (!slot.backend) throw *slot.error;
        runtime::CallContext call = ctx.control_call();
        const json::Document list = json::parse_object(slot.backend->list_models(call),
                                                       "backend " + slot.name + " model list");
        const json::Value *models = json::find(list, "models");
        if (models == nullptr || !models->IsArray()) continue;
        for (const json::Value &m : models->GetArray())
            out.push_back(json::to_string(m));
    }
    return out;
}

// The first Ollama backend (models.yaml), whose server requests for what is not a graph are
// passed to; none when there is no such backend or its url cannot be passed through (said why).
std::optional<serve::ProxyTarget> passthrough_target(const runtime::Runtime &rt) {
    for (const runtime::Runtime::BackendSlot &slot : rt.backends()) {
        if (slot.type != "ollama" || slot.config_json.empty()) continue;
        const json::Document config = json::parse_object(slot.config_json, "backend config");
        const std::optional<std::string> url = json::get_string(config, "url");
        if (!url) continue;
        std::string why;
        std::optional<serve::ProxyTarget> target = serve::proxy_target(slot.name, *url, why);
        if (!target) spdlog::warn("backend {} ({}): {}", slot.name, *url, why);
        return target;
    }
    return std::nullopt;
}

} // namespace

int run_serve(Context &ctx, const std::vector<std::string> &args) {
    std::string listen;
    bool insecure_no_auth = false;
    po::options_description desc("Options");
    desc.add_options()("help,h", "show this help")(
        "listen", po::value(&listen)->value_name("HOST:PORT"),
        "the address to listen on (default: system.yaml server.listen, 127.0.0.1:11435); "
        "port 0 picks a free one")(
        "insecure-no-auth", po::bool_switch(&insecure_no_auth),
        "listen on an address other machines reach without API keys (server.api_keys): anyone "
        "who reaches it may run the graphs and read every recorded run");
    add_common_options(desc, ctx.options());
    const auto vm = parse_with_positionals(args, desc, {}, ctx.options());
    if (vm.count("help")) {
        print_help("serve [OPTIONS]",
                   "Serves every graph of the config as a model, \"tinyllm/<graph>\", over\n"
                   "Ollama's API (/api/chat, /api/generate, /api/tags, /api/show, /api/ps,\n"
                   "/api/version) and OpenAI's (/v1/chat/completions, /v1/models), so any\n"
                   "Ollama or OpenAI client can use a graph: point it at the address printed\n"
                   "on stdout (OLLAMA_HOST=127.0.0.1:11435). Prometheus metrics at /metrics,\n"
                   "the dashboard at /, alert rules from alerts.yaml (docs/serve.md#alerts).\n"
                   "Every run is recorded (tinyllm runs list). SIGTERM or Ctrl-C stops\n"
                   "accepting, lets runs in flight finish for server.shutdown_grace_ms,\n"
                   "cancels the rest; a second Ctrl-C ends it at once.",
                   desc);
        return kExitOk;
    }
    const config::Config &config = ctx.config();
    const config::ServerConfig &sc = config.system.server;
    const std::string address_text = listen.empty() ? sc.listen : listen;
    const std::optional<serve::ListenAddress> address = serve::parse_listen(address_text);
    if (!address) {
        throw Error(ErrorCode::usage, "--listen " + address_text +
                                          ": expected HOST:PORT (127.0.0.1:11435, [::1]:8080)");
    }

    serve::AccessPolicy access(serve::AccessPolicy::key_hashes_of(sc.api_keys), sc.cors_origins);
    if (!serve::is_loopback(address->host) && !access.requires_key()) {
        if (!insecure_no_auth) {
            throw Error(ErrorCode::usage,
                        "listening on " + address_text +
                            " lets other machines in, so it needs API keys (server.api_keys in "
                            "system.yaml, docs/serve.md#api-keys), or --insecure-no-auth to let "
                            "anyone who reaches it in");
        }
        spdlog::warn("listening on {} without API keys (--insecure-no-auth): anyone who reaches "
                     "it may run the graphs and read every recorded run",
                     address_text);
    }

    raise_descriptor_limit();
    serve::GraphCatalog catalog;
    {
        const SetupWatchdog watchdog(ctx.setup_budget());
        ctx.store();
        catalog = build_catalog(ctx);
    }
    store::RunStore &store = ctx.store();
    const config::LimitsConfig &limits = config.system.limits;
    serve::RunGraph run_graph = [&store, &limits](const serve::ServedGraph &served,
                                                  const std::string &input,
                                                  graph::RunOptions options) {
        StoreRecorder recorder(store);
        std::optional<graph::ObserverPair> both;
        if (options.observer != nullptr) both.emplace(recorder, *options.observer);
        options.observer = both ? static_cast<graph::RunObserver *>(&*both) : &recorder;
        options.max_parallel_branches = static_cast<size_t>(limits.max_parallel_branches);
        trace::Run run = graph::Executor(*served.graph).run(input, options);
        if (recorder.error()) {
            spdlog::error("run {} could not be fully recorded: {}", run.id,
                          recorder.error()->what());
        }
        return run;
    };

    serve::ServerOptions options;
    options.http.host = address->host;
    options.http.port = address->port;
    options.http.max_body_bytes = sc.max_request_bytes;
    options.http.request_timeout = std::chrono::milliseconds(sc.request_timeout_ms);
    options.http.idle_timeout = std::chrono::milliseconds(sc.idle_timeout_ms);
    options.http.write_timeout = std::chrono::milliseconds(sc.write_timeout_ms);
    options.http.max_unsent_bytes = sc.max_unsent_bytes;
    options.http.max_connections = sc.max_connections;
    options.http.threads = static_cast<unsigned>(sc.io_threads);
    options.max_concurrent_runs = static_cast<size_t>(limits.max_concurrent_runs);
    options.max_queued_runs = static_cast<size_t>(limits.max_queued_runs);
    options.max_input_bytes = limits.max_input_bytes;
    options.request_timeout = std::chrono::milliseconds(limits.request_timeout_ms);
    options.shutdown_grace = std::chrono::milliseconds(sc.shutdown_grace_ms);
    options.access = std::move(access);
    options.alerts = config.alerts;
    options.run_retention = std::chrono::milliseconds(config.system.retention.max_age_ms);

    const runtime::Runtime &rt = ctx.runtime();
    serve::ServerHooks hooks;
    hooks.run_graph = std::move(run_graph);
    hooks.backend_models = [&ctx, &rt] { return backend_models(ctx, rt); };
    hooks.store = &store;
    // Built once: the plugins do not change while the server runs.
    hooks.plugins_json = [text = json::to_string(registry_json(ctx.registry()))] { return text; };
    // server.passthrough: auto is all on a loopback address (whoever reaches the server could
    // reach the backend), use on any other (a key to run graphs is not a key to delete models).
    const std::string passthrough = sc.passthrough != "auto"            ? sc.passthrough
                                    : serve::is_loopback(address->host) ? "all"
                                                                        : "use";
    if (passthrough != "none") hooks.passthrough = passthrough_target(rt);
    hooks.passthrough_management = passthrough == "all";
    hooks.passthrough_timeout = std::chrono::milliseconds(
        limits.request_timeout_ms > 0 ? limits.request_timeout_ms : 24 * 3600 * 1000);
    if (hooks.passthrough) {
        spdlog::info("requests for backend models pass through to {} at {}:{} ({})",
                     hooks.passthrough->backend, hooks.passthrough->host, hooks.passthrough->port,
                     hooks.passthrough_management
                         ? "all of its API"
                         : "using models; pulling, creating or deleting them is refused");
    }
    serve::Server server(options, std::move(catalog), std::move(hooks));
    const std::string host =
        address->host.find(':') != std::string::npos ? "[" + address->host + "]" : address->host;
    // On stdout, so a script (or a test) can read where the server is when it asked for port 0.
    std::cout << "tinyllm serve: listening on http://" << host << ":" << server.port() << "\n"
              << std::flush;
    spdlog::info("serving {} graph(s) with up to {} runs at once, {} queued",
                 ctx.config().graph_files.size(), options.max_concurrent_runs,
                 options.max_queued_runs);
    if (!config.alerts.rules.empty()) {
        spdlog::info("evaluating {} alert rule(s) of {} every {} ms{}", config.alerts.rules.size(),
                     config.alerts.source.string(), config.alerts.evaluate_every_ms,
                     config.alerts.webhook
                         ? ", posting to " + serve::shown_url(config.alerts.webhook->url)
                         : "");
    }
    server.serve(ctx.cancel_token());
    spdlog::info("stopped ({} run(s) cancelled at shutdown)", server.runs_cancelled_at_shutdown());
    return kExitOk;
}

} // namespace tinyllm::cli
