// The judge rule: a judge plugin (tinyllm.judges/1, through Tools::grade) decides. Which judge
// is config, so a gate moves from the rules judge to a model judge, or to a third-party one,
// without a rebuild.
#include "rules.hpp"
#include "text.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::answer {

std::string Tools::grade(const std::string &, const std::string &) {
    throw sdk::Error(TLLM_ERR_UNSUPPORTED, "judges are not available here");
}

namespace {

class JudgeRule final : public Rule {
public:
    JudgeRule(std::string judge, std::optional<double> min_score)
        : judge_(std::move(judge)), min_score_(min_score) {
        if (min_score_ && !(*min_score_ >= 0 && *min_score_ <= 1))
            throw ConfigError("min_score", "must be a number from 0 to 1");
    }

    Outcome check(const Answer &answer, Tools &tools) const override {
        std::string request = "{";
        json::append_quoted(request, "input");
        request += ':';
        json::append_quoted(request, answer.request);
        request += ',';
        json::append_quoted(request, "output");
        request += ':';
        json::append_quoted(request, answer.content);
        request += "}";
        // The host checked the verdict against its schema: score and pass are there.
        const std::string text = tools.grade(judge_, request);
        const json::Document verdict = json::parse_object(text, "verdict");
        const double score = json::get_number(verdict, "score").value_or(0);
        const bool pass = json::get_bool(verdict, "pass").value_or(false) &&
                          (!min_score_ || score >= *min_score_);
        std::string reasons;
        if (const json::Value *r = json::find(verdict, "reasons"); r != nullptr && r->IsArray()) {
            for (const json::Value &line : r->GetArray())
                if (line.IsString())
                    reasons += (reasons.empty() ? "" : "; ") + std::string(line.GetString());
        }
        char shown[16];
        std::snprintf(shown, sizeof shown, "%.2f", score);
        const std::string who =
            "judge " + (judge_.empty() ? std::string("(default)") : judge_) + " scored " + shown;
        if (pass) return {true, {}, who + (reasons.empty() ? "" : ": " + excerpt(reasons, 300))};
        std::string why = who;
        if (min_score_ && json::get_bool(verdict, "pass").value_or(false)) {
            char floor[16];
            std::snprintf(floor, sizeof floor, "%.2f", *min_score_);
            why += ", below " + std::string(floor);
        }
        return {false, why + (reasons.empty() ? "" : ": " + excerpt(reasons, 300)), {}};
    }

private:
    std::string judge_;
    std::optional<double> min_score_;
};

} // namespace

RulePtr make_judge(const std::string &judge, std::optional<double> min_score) {
    return std::make_unique<JudgeRule>(judge, min_score);
}

} // namespace tinyllm::answer
