// The runtime: the backends configured in models.yaml, created from the loaded plugins, and
// the routing of model calls to them. It implements the services plugins call back into.
#pragma once

#include "config/config.hpp"
#include "plugin/registry.hpp"
#include "prompts/prompt_library.hpp"
#include "runtime/backend.hpp"
#include "runtime/instance_host.hpp"
#include "runtime/judge_set.hpp"
#include "runtime/mutation_set.hpp"
#include "runtime/tool_set.hpp"
#include "store/embedding_cache.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tinyllm::runtime {

// Where a model name leads: the backend, the name on the server and the configured defaults.
struct ResolvedModel {
    Backend *backend = nullptr;
    std::string server_name;
    const config::ModelConfig *config = nullptr; // null for a model not in models.yaml
};

class Runtime final : public HostServices {
public:
    // Creates every configured backend. A backend that cannot be created (no plugin provides
    // its type, its config fails the plugin's schema, create() fails) is recorded, not thrown:
    // the others keep working, and using it later raises the recorded error.
    // `prompts` (may be null: prompts are then unknown) must outlive the runtime.
    Runtime(const config::Config &config, const plugin::Registry &registry,
            const prompts::Library *prompts = nullptr);
    ~Runtime() override;

    const config::Config &config() const noexcept { return config_; }

    struct BackendSlot {
        std::string name;
        std::string type;
        std::unique_ptr<Backend> backend; // null when creation failed
        std::optional<Error> error;
        // The config it was created with (defaults and x-env filled in), JSON: where an Ollama
        // backend's server is, for tinyllm serve to pass requests through to.
        std::string config_json;
    };
    const std::vector<BackendSlot> &backends() const noexcept { return backends_; }
    // A backend by name; throws the recorded creation error or not_found.
    Backend &backend(const std::string &name) const;

    // Resolve a model name ("" = default_model). A name not in models.yaml goes to the first
    // backend under the same name, so any model the server has can be asked for.
    ResolvedModel resolve(const std::string &model) const;

    // One chat call: resolves the model, fills in what models.yaml configures for it (options
    // under the request's own, keep_alive, think), writes the request once for its backend and
    // returns the checked response. The call is recorded with the call's observer.
    messages::ChatResponse chat(CallContext &call, messages::ChatRequest request);

    // The tools models and `tinyllm tool` may call.
    ToolSet &tools() noexcept { return tools_; }
    // The judges `tinyllm grade`, gates and evaluations grade with.
    JudgeSet &judges() noexcept { return judges_; }
    // The mutations self-improvement proposes candidate graphs with: expansion.yaml's
    // strategies and every mutation component under its own name with its default config. Not
    // prepared by prepare_components: prepare the ones used (mutations().prepare(name) or
    // prepare_all(), on the loading thread) before get(name).
    MutationSet &mutations() noexcept { return mutations_; }

    // Grade with the judge `judge` ("" = judges.yaml's default_judge; it must be prepared):
    // the checked verdict, or throws Error (not_found with a suggestion for an unknown judge).
    std::string grade(CallContext &call, const std::string &judge, const std::string &request_json);
    std::string compare(CallContext &call, const std::string &judge,
                        const std::string &request_json);
    // The name "" stands for.
    const std::string &default_judge() const noexcept { return config_.judges.default_judge; }

    // One tool call: validates the arguments, invokes the tool and tells the call's observer
    // (the trace) about it, failed or not. Returns the result document; throws Error.
    std::string call_tool(CallContext &call, const std::string &tool,
                          const std::string &arguments_json);

    // HostServices, for plugins.
    messages::ChatResponse chat(const tllm_call *parent, messages::ChatRequest request) override;
    std::string call_tool(const tllm_call *parent, const std::string &tool,
                          const std::string &arguments_json) override;
    std::string describe_tool(const std::string &tool) override;
    std::string prompt(const std::string &id) override;
    std::string role_models(const std::string &role, const std::string &min_size) override;
    std::string embed(const tllm_call *parent, const std::string &model,
                      const std::string &texts_json) override;
    std::string grade(const tllm_call *parent, const std::string &judge,
                      const std::string &request_json) override;
    std::string compare(const tllm_call *parent, const std::string &judge,
                        const std::string &request_json) override;
    void prepare_components() override;

    // The ladder of `role` (model names, smallest first, at least `min_size` parameters when
    // given: "1.5b"). Throws Error(not_found) naming the role and the roles that exist.
    std::vector<std::string> role_ladder(const std::string &role,
                                         const std::string &min_size = {}) const;
    // One vector per text, in order, from the cache in the data dir or the model's backend
    // (one request for every text not cached). The call is recorded as a model call.
    std::vector<std::vector<float>> embed(CallContext &call, const std::string &model,
                                          const std::vector<std::string> &texts);
    std::optional<Clock::time_point> activation_deadline() const override;

    // Offline, no model server is contacted: a chat or an embedding the cache cannot answer
    // fails as unavailable (HostServices::offline). For checking what a run would load.
    void set_offline(bool offline) noexcept { offline_ = offline; }
    bool offline() const override { return offline_; }

    // The configuration problems a run would meet at its first use of the component: a backend,
    // tool, judge or mutation whose type no plugin provides, or whose config its schema or its
    // plugin rejects. Throws the first (config or plugin error, file:line:column). A backend
    // that failed for another reason (its activation) is left for its first use.
    void check_configuration();

private:
    void refuse_when_offline(const ResolvedModel &resolved, const char *call) const;
    void create_backend(const config::BackendConfig &bc, const plugin::Registry &registry);

    // What a model's entry in models.yaml adds to a chat request, as JSON text, written once.
    struct RequestDefaults {
        std::optional<std::string> options; // absent when none or {}
        std::optional<std::string> keep_alive;
        std::optional<std::string> think;
    };
    const RequestDefaults &defaults_of(const config::ModelConfig &model) const;

    store::EmbeddingCache *embedding_cache();

    const config::Config &config_;
    const prompts::Library *prompts_;
    std::vector<BackendSlot> backends_;
    bool offline_ = false;
    std::mutex cache_mutex_;
    std::unique_ptr<store::EmbeddingCache> cache_;
    bool cache_failed_ = false;
    ToolSet tools_;
    JudgeSet judges_;
    MutationSet mutations_;
    std::vector<RequestDefaults> defaults_; // per config_.models.models entry
};

} // namespace tinyllm::runtime
