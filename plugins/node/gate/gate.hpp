// The gate as a whole, without the ABI: its config, the checks of one answer and the decision.
// plugin.cpp is the component around it; tests and the benchmark use it directly.
#pragma once

#include "config.hpp"
#include "report.hpp"

#include <string_view>
#include <vector>

namespace tinyllm::gate {

struct Verdict {
    Decision decision;
    std::vector<Check> checks;
};

class Gate {
public:
    // Throws sdk::Error for a config the gate cannot use (config.hpp).
    explicit Gate(std::string_view config_json);

    const GateConfig &config() const noexcept { return config_; }

    // Every rule, in order, timed. Rules that fail give their reason (or the configured
    // message); exceptions from tools (unavailable, cancelled) propagate.
    std::vector<Check> evaluate(const Answer &answer, Tools &tools) const;

    // Reads the message, checks its content and decides (policy.hpp).
    Verdict assess(std::string_view message_json, Tools &tools) const;

private:
    GateConfig config_;
};

} // namespace tinyllm::gate
