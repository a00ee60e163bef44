// The llm judge as a tinyllm.judge/1 component: the glue between LlmJudge and the host — its
// prompt files (tinyllm.prompts/1), the model a role names (tinyllm.models/1) and the chat
// calls, made with the grade's own call so they are traced, cancelled and timed with it.
#include "config_schema.hpp"
#include "llm_judge.hpp"

#include <tinyllm/plugin.hpp>

#include <optional>

namespace tinyllm::llm_judge {

namespace {

// The grade or compare request as a document (the host has checked it against its schema).
json::Document parse_request(std::string_view text, const char *what) {
    json::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject())
        throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, std::string(what) + " is not a JSON object");
    return doc;
}

class LlmJudgeComponent final : public sdk::Judge {
public:
    static constexpr const char *kName = "llm";
    static constexpr const char *kDescription =
        "grades with a model and a rubric prompt (grading/answer_quality): a 1-5 score and a "
        "pass/fail verdict as structured output, against the reference answer when given; "
        "pairwise with both orders asked";
    static constexpr const char *kConfigSchema = llm_judge::kConfigSchema;

    LlmJudgeComponent(sdk::Host host, std::string_view config_json)
        : host_(host), judge_(parse_llm_config(config_json)) {}

    // The prompts and the model are found once, before any grade: a prompt that does not exist
    // or cannot serve a judge, or a role no model has, is a config error now, not a failure of
    // every grade. Where the host has no prompts or roles (`plugins validate`), the judge is
    // off and says why on each call.
    void activate(sdk::Call &) override {
        const LlmConfig &c = judge_.config();
        try {
            grade_prompt_.emplace(load(c.prompt_id, "prompt_id"), GradingPrompt::Kind::grade);
            pairwise_prompt_.emplace(load(c.pairwise_prompt_id, "pairwise_prompt_id"),
                                     GradingPrompt::Kind::pairwise);
            model_ = resolve_model();
        } catch (const sdk::Error &e) {
            if (e.status() != TLLM_ERR_UNSUPPORTED) throw;
            off_ = std::string("the llm judge cannot grade here: ") + e.what();
            grade_prompt_.reset();
            pairwise_prompt_.reset();
        }
    }

    std::string grade(sdk::Call &call, std::string_view request_json) override {
        if (!grade_prompt_) throw sdk::Error(TLLM_ERR_UNSUPPORTED, off_);
        const json::Document request = parse_request(request_json, "grade request");
        return judge_.grade(request, *grade_prompt_, model_, asker(call));
    }

    std::string compare(sdk::Call &call, std::string_view request_json) override {
        if (!pairwise_prompt_) throw sdk::Error(TLLM_ERR_UNSUPPORTED, off_);
        const json::Document request = parse_request(request_json, "compare request");
        return judge_.compare(request, *pairwise_prompt_, model_, asker(call));
    }

private:
    std::string load(const std::string &id, const char *option) const {
        try {
            return host_.prompt(id);
        } catch (const sdk::Error &e) {
            // An id that names no prompt is the config's mistake (exit 3), not the plugin's.
            throw sdk::Error(e.status() == TLLM_ERR_NOT_FOUND ? TLLM_ERR_INVALID_ARGUMENT
                                                              : e.status(),
                             std::string(option) + ": " + e.what());
        }
    }

    // The configured model, else the first of the configured role's ladder, else of the
    // prompt's role, else default_model ("").
    std::string resolve_model() const {
        const LlmConfig &c = judge_.config();
        if (!c.model.empty()) return c.model;
        const bool configured = !c.role.empty();
        const std::string role = configured ? c.role : grade_prompt_->role();
        const std::string min_size = configured ? c.min_size : grade_prompt_->min_size();
        if (role.empty()) return {};
        std::vector<std::string> ladder;
        try {
            ladder = host_.role_models(role, min_size);
        } catch (const sdk::Error &e) {
            if (e.status() != TLLM_ERR_NOT_FOUND) throw;
            throw sdk::Error(
                TLLM_ERR_INVALID_ARGUMENT,
                std::string(configured ? "model.role: " : "the prompt's model.role: ") + e.what() +
                    " (give a model the role, or name one with model: in "
                    "judges.yaml)");
        }
        if (ladder.empty()) {
            throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "no model has the role \"" + role + "\"");
        }
        return ladder.front();
    }

    Ask asker(sdk::Call &call) const {
        return [this, &call](const sdk::ChatRequest &request) {
            call.check_cancelled();
            sdk::ChatRequest r = request;
            r.model = model_;
            try {
                return host_.chat(call, r);
            } catch (const sdk::Error &e) {
                // The model call's status stays (a server that is down is UNAVAILABLE, exit 5).
                throw sdk::Error(e.status(), "model " +
                                                 (model_.empty() ? "default_model" : model_) +
                                                 ": " + e.what());
            }
        };
    }

    sdk::Host host_;
    LlmJudge judge_;
    std::optional<GradingPrompt> grade_prompt_;    // set by activate
    std::optional<GradingPrompt> pairwise_prompt_; //
    std::string model_;                            // "" = default_model
    std::string off_ = "the llm judge was not activated";
};

constexpr sdk::PluginInfo kInfo{
    .id = "org.tinyllm.judge.llm",
    .name = "LLM judge",
    .version = "0.1.0",
    .description = "A judge that asks a model: a rubric prompt file, the verdict as structured "
                   "output (a 1-5 score, pass or fail, reasons), several samples by majority or "
                   "mean, and pairwise comparisons asked in both orders against position bias.",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

} // namespace tinyllm::llm_judge

TINYLLM_PLUGIN(tinyllm::llm_judge::kInfo, tinyllm::llm_judge::LlmJudgeComponent)
