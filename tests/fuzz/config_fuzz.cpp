// The config loaders (host/src/config): the input is the contents of a config file, loaded as
// each of system.yaml, models.yaml, tools.yaml, judges.yaml, expansion.yaml and alerts.yaml by
// the function `tinyllm` calls at start for that file (config::load calls the same six). YAML
// parsing (with the alias and nesting limits), the YAML 1.2 core-schema scalars, defaults,
// environment overrides, schema validation with file:line:column messages and the cross-checks all
// run. Expected: tinyllm::Error (ErrorCode::config). Anything else is a finding.
#include "config/alerts_config.hpp"
#include "config/expansion_config.hpp"
#include "config/judges_config.hpp"
#include "config/models_config.hpp"
#include "config/system_config.hpp"
#include "config/tools_config.hpp"
#include "fuzz_support.hpp"

#include "tinyllm/error.hpp"

#include <optional>
#include <string>

namespace {

namespace config = tinyllm::config;

// HOME as on a user's machine, so "~" paths resolve; no TINYLLM_LOG_LEVEL, so the file's own
// logging.level is what gets validated.
std::optional<std::string> fake_getenv(const std::string &name) {
    if (name == "HOME") return std::string("/home/fuzz");
    return std::nullopt;
}

template <class Load> void load_expecting_config_errors(Load &&load) {
    try {
        load();
    } catch (const tinyllm::Error &e) {
        if (e.code() != tinyllm::ErrorCode::config) {
            tinyllm::fuzz::fail("a config loader threw an error that is not ErrorCode::config",
                                e.what());
        }
    } catch (const std::exception &e) {
        tinyllm::fuzz::fail_unexpected(e);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static tinyllm::fuzz::InputFile file("config.yaml");
    const auto &path = file.write(data, size);
    load_expecting_config_errors(
        [&] { (void)config::load_system_config(path, "/etc/tinyllm", fake_getenv); });
    load_expecting_config_errors([&] { (void)config::load_models_config(path); });
    load_expecting_config_errors([&] { (void)config::load_tools_config(path); });
    load_expecting_config_errors([&] { (void)config::load_judges_config(path); });
    load_expecting_config_errors([&] { (void)config::load_expansion_config(path); });
    load_expecting_config_errors([&] { (void)config::load_alerts_config(path); });
    return 0;
}
