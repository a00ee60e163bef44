// The ensemble judge as a tinyllm.judge/1 component: each judge it names is asked through the
// host's judges service with the grade's own call, so it is traced and cancelled with the grade
// and bounded by the host's nesting limit (an ensemble that names itself fails, not recurses).
#include "config_schema.hpp"
#include "ensemble.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::ensemble {

namespace {

class EnsembleJudge final : public sdk::Judge {
public:
    static constexpr const char *kName = "ensemble";
    static constexpr const char *kDescription =
        "combines other judges by name: all must pass, any may pass, or a weighted mean score "
        "over a threshold; reasons and labels carry each judge's name";
    static constexpr const char *kConfigSchema = ensemble::kConfigSchema;

    // The judges are looked up when asked, not here: they may be created after this one, and
    // an unknown name is then reported with the host's suggestion.
    EnsembleJudge(sdk::Host host, std::string_view config_json)
        : host_(host), config_(parse_ensemble_config(config_json)) {}

    std::string grade(sdk::Call &call, std::string_view request_json) override {
        const std::string request(request_json);
        return ensemble_grade(config_, [&](const std::string &judge) {
            call.check_cancelled();
            return host_.grade(call, judge, request);
        });
    }

    std::string compare(sdk::Call &call, std::string_view request_json) override {
        const std::string request(request_json);
        return ensemble_compare(config_, [&](const std::string &judge) {
            call.check_cancelled();
            return host_.compare(call, judge, request);
        });
    }

private:
    sdk::Host host_;
    EnsembleConfig config_;
};

constexpr sdk::PluginInfo kInfo{
    .id = "org.tinyllm.judge.ensemble",
    .name = "Ensemble judge",
    .version = "0.1.0",
    .description = "A judge that combines other judges by name (all, any, or a weighted mean "
                   "score), so a cheap exact check and a model judge can decide together.",
    .vendor = "TinyLLM",
    .license = "MIT",
};

} // namespace

} // namespace tinyllm::ensemble

TINYLLM_PLUGIN(tinyllm::ensemble::kInfo, tinyllm::ensemble::EnsembleJudge)
