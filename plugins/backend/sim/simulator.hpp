// The simulated model server: every tllm_backend_v1 operation over the datasets and the
// configured models. A simulation of a model's behaviour with known ground truth, for measuring
// TinyLLM's own machinery (routing, gates, escalation); it serves no model and its answers come
// from the datasets, so every document it returns says it is simulated where the format allows.
#pragma once

#include "dataset.hpp"
#include "sim_config.hpp"

#include <tinyllm/plugin.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace tinyllm::sim {

class Simulator {
public:
    using Log = std::function<void(tllm_log_level, const std::string &)>;

    // `datasets_dir`: where relative dataset paths are looked up (the shipped datasets, found
    // from the plugin's own path; "" when unknown). Throws sdk::Error(TLLM_ERR_INVALID_ARGUMENT)
    // for a config or dataset it cannot use.
    Simulator(SimConfig config, const std::string &datasets_dir, Log log = nullptr);

    std::string chat(sdk::Call &call, std::string_view request) const;
    std::string generate(sdk::Call &call, std::string_view request) const;
    std::string embed(sdk::Call &call, std::string_view request) const;
    std::string list_models() const;
    std::string show_model(std::string_view request) const;
    std::string pull_model(sdk::Call &call, std::string_view request) const;
    std::string server_version() const;

    const Dataset &dataset() const noexcept { return dataset_; }
    const SimConfig &config() const noexcept { return config_; }

private:
    struct Answer;
    Answer answer(sdk::Call &call, std::string_view request, bool generate) const;
    const ModelSpec &model(const std::string &name) const;

    SimConfig config_;
    Dataset dataset_;
    Log log_;
};

// `path` as the datasets config means it: absolute as it is, relative under `datasets_dir`.
std::string dataset_path(const std::string &path, const std::string &datasets_dir);

} // namespace tinyllm::sim
