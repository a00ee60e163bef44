// The llm judge: grades an answer by asking a model with a rubric prompt file whose `format` is
// the verdict's JSON Schema (Ollama structured output), reference-guided when the request has an
// expected answer. `samples` answers are combined by majority or mean; an answer that is not
// JSON in the prompt's format is sent back with what is wrong, up to `max_attempts` times, and
// then the grade fails (never a pass). compare asks twice with the answers swapped and counts a
// preference only when both orders agree (small models favour a position).
//
// What is here takes text and a function that asks the model, so it is tested without a host;
// plugin.cpp is the glue (prompts, roles, chat through the host).
#pragma once

#include "answer/rule.hpp"

#include "tinyllm/json.hpp"
#include "tinyllm/prompt_template.hpp"

#include <tinyllm/plugin.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinyllm::llm_judge {

enum class Aggregate { majority, mean };

struct LlmConfig {
    std::string prompt_id = "grading/answer_quality";
    std::string pairwise_prompt_id = "grading/pairwise";
    std::string model;    // a models.yaml name; "" with role "": the prompt's role
    std::string role;     // model: {role, min_size}
    std::string min_size; //
    int samples = 1;
    Aggregate aggregate = Aggregate::majority;
    double pass_score = 0.5;
    int max_attempts = 2;
    std::string options_json; // the configured options object, "" for the defaults
};

// The config as its schema (config_schema.hpp) describes it; throws sdk::Error(INVALID_ARGUMENT)
// naming the option.
LlmConfig parse_llm_config(std::string_view config_json);

// The options of sample `index` (0-based) of `samples`: the configured object, else temperature
// 0 for one sample and 0.7 for several; several samples each get their own seed (the configured
// options.seed, or 0, plus the index) so they differ from each other yet repeat run to run.
std::string sample_options(const LlmConfig &config, int index);

// What a grading prompt asks the model for, read from its `format`.
struct VerdictShape {
    bool has_score = false; // properties.score: a number on [min, max]
    double min = 1, max = 5;
    bool verdict_enum = false; // properties.verdict: "pass" | "fail"
    bool pass_boolean = false; // properties.pass: a boolean
    bool reasons = false;      // properties.reasons (array of strings) or reason (string)
};

// A prompt file (the tinyllm.prompts/1 document) made ready to render.
class GradingPrompt {
public:
    // `variables`: the names the judge gives; a prompt requiring another one cannot be served.
    // `answer_key`: the format property the judge reads ("score"/"verdict" for grading,
    // "preference" for pairwise). Throws sdk::Error(INVALID_ARGUMENT) naming the prompt for a
    // prompt the judge cannot use: no format, a format without what the judge reads, a required
    // variable it does not give, a template that does not parse.
    enum class Kind { grade, pairwise };
    GradingPrompt(std::string_view prompt_json, Kind kind);

    // The chat request for these variables: the system prompt, each example as a user/assistant
    // pair, the template; `format` is the prompt's. The model and options are the caller's.
    sdk::ChatRequest request_for(const json::Value &variables) const;

    const std::string &id() const noexcept { return id_; }
    const std::string &version() const noexcept { return version_; }
    const std::string &role() const noexcept { return role_; }
    const std::string &min_size() const noexcept { return min_size_; }
    const std::string &format_json() const noexcept { return format_json_; }
    const VerdictShape &shape() const noexcept { return shape_; }
    // The answer's check against `format`: fenced JSON is read inside its fence, as models
    // write it by habit.
    const answer::Rule &format_rule() const noexcept { return *format_rule_; }

private:
    std::string id_, version_, role_, min_size_;
    std::optional<PromptTemplate> system_;
    std::optional<PromptTemplate> template_;
    std::vector<std::pair<std::string, std::string>> examples_;
    std::string format_json_;
    VerdictShape shape_;
    answer::RulePtr format_rule_;
};

// One sample's reading of a model's answer.
struct GradeSample {
    double score = 0; // normalised to [0, 1]
    bool pass = false;
    bool consistent = true; // its verdict and its score say the same
    std::vector<std::string> reasons;
};

// The answer read against the prompt, or nullopt with `why` saying what is wrong (for the
// model, when it is asked again, and for the error when it is not).
std::optional<GradeSample> read_grade(std::string_view content, const GradingPrompt &prompt,
                                      double pass_score, std::string &why);

struct Preference {
    std::string preference; // "a", "b" or "tie"
    std::vector<std::string> reasons;
};
std::optional<Preference> read_preference(std::string_view content, const GradingPrompt &prompt,
                                          std::string &why);

// Asks the model (its name and options are set by the caller); throws sdk::Error.
using Ask = std::function<sdk::ChatAnswer(const sdk::ChatRequest &)>;

class LlmJudge {
public:
    explicit LlmJudge(LlmConfig config) : config_(std::move(config)) {}
    const LlmConfig &config() const noexcept { return config_; }

    // A grade request (plugin.h, tllm_judge_v1) -> the verdict JSON. `model` names the model in
    // labels and errors ("" = default_model). Throws sdk::Error: PROTOCOL when a sample's
    // answers stayed outside the format, the model call's own status otherwise.
    std::string grade(const json::Value &request, const GradingPrompt &prompt,
                      const std::string &model, const Ask &ask) const;
    // A compare request -> {"preference","reasons","labels"}.
    std::string compare(const json::Value &request, const GradingPrompt &prompt,
                        const std::string &model, const Ask &ask) const;

private:
    // Asks until the answer reads (at most max_attempts times); `read` returns false with why.
    template <class Read>
    void ask_until_read(sdk::ChatRequest request, const std::string &model, const Ask &ask,
                        Read &&read, int &retries) const;

    LlmConfig config_;
};

} // namespace tinyllm::llm_judge
