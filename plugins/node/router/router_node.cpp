// The router node: classifies each request and returns a route for the graph's edges to test.
// A cascade of optional stages (rules, semantic, model; cascade.hpp) stops at the first that is
// sure; none sure, or a stage failing, gives the configured default. The decision and every
// stage's record go into the message as data.router (a merge patch), and one "decision" event
// goes to whoever runs the graph (--verbose). This file is the glue to the host: config, the
// embedding and chat calls, cancellation and logging; the stages' logic lives in their files.
#include "cascade.hpp"
#include "model_stage.hpp"
#include "router_config.hpp"
#include "rules_stage.hpp"
#include "semantic_stage.hpp"

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <array>
#include <atomic>
#include <optional>

namespace {

namespace json = tinyllm::json;
namespace router = tinyllm::router;
using tinyllm::sdk::Call;
using tinyllm::sdk::Error;
using tinyllm::sdk::Host;

// A tinyllm::Error from reading the config or building a stage, as the SDK's "the config is
// wrong" (TLLM_ERR_INVALID_ARGUMENT), not an internal error.
template <class Fn> auto as_config_error(Fn &&fn) {
    try {
        return fn();
    } catch (const tinyllm::Error &e) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
    }
}

bool blank(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

class RouterNode final : public tinyllm::sdk::Node {
public:
    static constexpr const char *kName = "router";
    static constexpr const char *kDescription =
        "classifies each request (keywords and patterns, embeddings, a model) and returns its "
        "route";
    static constexpr const char *kConfigSchema = router::kConfigSchema;

    // Reads the config and compiles the rules: a bad pattern fails here, when the graph is
    // built. Nothing is asked of a model before activate.
    RouterNode(Host host, std::string_view config_json)
        : host_(host), config_(as_config_error([&] { return router::parse_config(config_json); })) {
        if (config_.rules) {
            rules_.emplace(as_config_error(
                [&] { return router::RulesStage(config_.routes, *config_.rules); }));
        }
    }

    void activate(Call &call) override {
        if (config_.semantic) activate_semantic(call);
        if (config_.model) activate_model(call);
    }

    std::string process(Call &call, std::string_view message_json) override {
        const std::string text = request_text(message_json);
        std::array<router::Step, 3> steps;
        size_t count = 0;
        if (rules_) {
            steps[count++] = {"rules", [this](std::string_view t) { return rules_->classify(t); }};
        }
        if (config_.semantic) {
            steps[count++] = {"semantic",
                              [this, &call](std::string_view t) { return semantic(call, t); }};
        }
        if (config_.model) {
            steps[count++] = {"model",
                              [this, &call](std::string_view t) { return model(call, t); }};
        }
        const router::Decision decision = router::decide(
            text, std::span(steps.data(), count), config_.routes.size(), config_.default_route);
        call.emit(router::event_json(decision, config_.routes));
        return router::output_json(decision, config_.routes);
    }

    std::vector<std::string> routes() const override { return config_.routes; }

private:
    // The request: the message's input (what the run was asked), else its content. A message
    // without either routes on nothing, to the default.
    static std::string request_text(std::string_view message) {
        if (auto input = json::string_at(message, {"input"})) return std::move(*input);
        return json::string_at(message, {"content"}).value_or("");
    }

    // A failed host call during a request: a cancelled call (the user, or the node's deadline)
    // must stop the node, anything else only this stage.
    static void rethrow_if_cancelled(const Call &call, const Error &e) {
        if (e.status() == TLLM_ERR_CANCELLED || call.cancelled()) {
            throw Error(TLLM_ERR_CANCELLED, e.what());
        }
    }

    // ---- semantic ----------------------------------------------------------------------------

    // The host's embeddings of `texts` (its JSON answer). Through the service table rather than
    // Host::embed, which reads each number with its own JSON Pointer lookup (768 per request,
    // 768,000 for 1,000 examples); parse_embeddings reads the answer in one pass.
    std::string embed(const Call &call, const std::vector<std::string> &texts) const {
        const auto *models = host_.service<tllm_models_service_v1>(TLLM_SERVICE_MODELS);
        std::string list = "[";
        for (const std::string &t : texts) {
            if (list.size() > 1) list += ',';
            json::append_quoted(list, t);
        }
        list += ']';
        char *out = nullptr;
        const tllm_status status = models->embed(
            host_.raw(), call.raw(), config_.semantic->model.c_str(), list.c_str(), &out);
        std::string text = out != nullptr ? out : "";
        host_.raw()->free_string(host_.raw(), out);
        if (status != TLLM_OK) throw Error(status, text.empty() ? "embedding failed" : text);
        return text;
    }

    std::string embed_model_name() const {
        return config_.semantic->model.empty() ? "default_model" : config_.semantic->model;
    }

    // Embeds every example once (the host caches the vectors in its data dir). A backend that
    // is down or a model that cannot embed turns the stage off for this instance, with the
    // reason in every request's record: routing still works without it.
    void activate_semantic(Call &call) {
        const router::SemanticConfig &s = *config_.semantic;
        std::vector<std::string> texts;
        std::vector<int> example_routes;
        for (const auto &[route, text] : s.examples) {
            example_routes.push_back(route);
            texts.push_back(text);
        }
        try {
            const std::string answer = embed(call, texts);
            router::SemanticIndex index(config_.routes.size(), example_routes,
                                        router::parse_embeddings(answer, texts.size()));
            semantic_.emplace(config_.routes, s.thresholds, s.margin, std::move(index),
                              std::move(texts));
            host_.debug("semantic stage: " + std::to_string(semantic_->index().size()) +
                        " examples of " + std::to_string(semantic_->index().dims()) +
                        " dimensions (" + embed_model_name() + ")");
        } catch (const Error &e) {
            if (e.status() == TLLM_ERR_CANCELLED || call.cancelled()) throw;
            semantic_off_ =
                "the examples could not be embedded with " + embed_model_name() + ": " + e.what();
        } catch (const std::exception &e) {
            semantic_off_ =
                "the examples could not be embedded with " + embed_model_name() + ": " + e.what();
        }
        if (!semantic_) warn_once(semantic_warned_, "semantic stage off: " + semantic_off_);
    }

    router::StageResult semantic(const Call &call, std::string_view text) {
        if (!semantic_) return router::StageResult::skipped(semantic_off_);
        if (blank(text)) return router::StageResult::skipped("empty request");
        try {
            const std::string answer = embed(call, {std::string(text)});
            return semantic_->classify(router::parse_embeddings(answer, 1).front());
        } catch (const Error &e) {
            rethrow_if_cancelled(call, e);
            return semantic_failed(std::string("embedding the request failed: ") + e.what());
        } catch (const std::exception &e) {
            return semantic_failed(std::string("embedding the request failed: ") + e.what());
        }
    }

    router::StageResult semantic_failed(std::string why) {
        warn_once(semantic_warned_, "semantic stage: " + why + " (routing goes on without it)");
        return router::StageResult::failed(std::move(why));
    }

    // ---- model -------------------------------------------------------------------------------

    // Fetches the prompt and builds the request's fixed parts. A prompt that does not exist or
    // cannot serve a router is a config error: it would fail every request.
    void activate_model(Call &) {
        const router::ModelStageConfig &m = *config_.model;
        router::Prompt prompt;
        try {
            prompt = router::parse_prompt(host_.prompt(m.prompt_id));
        } catch (const Error &e) {
            throw Error(e.status() == TLLM_ERR_NOT_FOUND ? TLLM_ERR_INVALID_ARGUMENT : e.status(),
                        std::string("model.prompt_id: ") + e.what());
        } catch (const tinyllm::Error &e) {
            throw Error(TLLM_ERR_PROTOCOL, "model.prompt_id: " + m.prompt_id + ": " + e.what());
        }
        model_stage_.emplace(as_config_error([&] {
            try {
                return router::ModelStage(prompt, config_.routes, m.min_confidence);
            } catch (const tinyllm::Error &e) {
                throw tinyllm::Error(e.code(), std::string("model.prompt_id: ") + e.what());
            }
        }));
        if (model_stage_->examples_dropped() > 0) {
            host_.info("prompt " + m.prompt_id + ": " +
                       std::to_string(model_stage_->examples_dropped()) +
                       " examples left out (their route is not one of " +
                       router::route_list(config_.routes) + ")");
        }
        model_name_ = m.model;
        if (model_name_.empty() && !prompt.role.empty()) {
            try {
                const std::vector<std::string> ladder =
                    host_.role_models(prompt.role, prompt.min_size);
                if (!ladder.empty()) model_name_ = ladder.front();
            } catch (const Error &e) {
                host_.warn("prompt " + m.prompt_id + " asks for a model of role " + prompt.role +
                           (prompt.min_size.empty() ? "" : " (at least " + prompt.min_size + ")") +
                           ": " + e.what() + "; using default_model");
            }
        }
    }

    router::StageResult model(const Call &call, std::string_view text) {
        if (blank(text)) return router::StageResult::skipped("empty request");
        tinyllm::sdk::ChatRequest request = model_stage_->request_for(text);
        request.model = model_name_;
        const std::string who = "model " + (model_name_.empty() ? "default_model" : model_name_);
        tinyllm::sdk::ChatAnswer answer;
        try {
            answer = host_.chat(call, request);
        } catch (const Error &e) {
            rethrow_if_cancelled(call, e);
            host_.debug(who + " failed: " + e.what());
            return router::StageResult::failed(who + " failed: " + e.what());
        }
        router::StageResult result = model_stage_->read_answer(answer.content);
        result.detail = who + ": " + result.detail;
        return result;
    }

    void warn_once(std::atomic<bool> &flag, const std::string &message) const {
        if (!flag.exchange(true)) host_.warn(message);
    }

    Host host_;
    router::RouterConfig config_;
    std::optional<router::RulesStage> rules_;
    std::optional<router::SemanticStage> semantic_; // set by activate when the examples embed
    std::string semantic_off_;                      // why it is not, when it is not
    std::atomic<bool> semantic_warned_{false};
    std::optional<router::ModelStage> model_stage_;
    std::string model_name_; // "" = default_model
};

constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.tinyllm.node.router",
    .name = "Router node",
    .version = "0.1.0",
    .description = "A graph node that classifies requests into routes: keywords and patterns, "
                   "embeddings, then a model.",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

TINYLLM_PLUGIN(kInfo, RouterNode)
