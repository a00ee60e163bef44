#include "logging/logging.hpp"

#include "tinyllm/error.hpp"

#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <vector>

namespace tinyllm::logging {
namespace {

std::mutex g_mutex;
std::vector<spdlog::sink_ptr> g_sinks;
spdlog::level::level_enum g_level = spdlog::level::warn;

constexpr const char *kPattern = "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v";

} // namespace

std::optional<spdlog::level::level_enum> parse_level(std::string_view name) {
    if (name == "trace") return spdlog::level::trace;
    if (name == "debug") return spdlog::level::debug;
    if (name == "info") return spdlog::level::info;
    if (name == "warn" || name == "warning") return spdlog::level::warn;
    if (name == "error") return spdlog::level::err;
    if (name == "off") return spdlog::level::off;
    return std::nullopt;
}

void setup(const Options &options) {
    const auto level = parse_level(options.level);
    if (!level) {
        throw Error(ErrorCode::config, "unknown log level \"" + options.level +
                                           "\" (use trace, debug, info, warn, error or off)");
    }
    std::vector<spdlog::sink_ptr> sinks;
    if (options.color) {
        auto sink = std::make_shared<spdlog::sinks::ansicolor_stderr_sink_mt>();
        sink->set_color_mode(spdlog::color_mode::always);
        sinks.push_back(sink);
    } else {
        sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    }
    if (!options.file.empty()) {
        try {
            sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file));
        } catch (const spdlog::spdlog_ex &e) {
            // spdlog says "Failed opening file F for writing: REASON"; the reason is what counts.
            std::string reason = e.what();
            if (const auto colon = reason.rfind(": "); colon != std::string::npos) {
                reason.erase(0, colon + 2);
            }
            throw Error(ErrorCode::io, "cannot open the log file " + options.file + ": " + reason);
        }
    }
    for (auto &sink : sinks)
        sink->set_pattern(kPattern);

    std::lock_guard lock(g_mutex);
    g_sinks = sinks;
    g_level = *level;
    auto logger = std::make_shared<spdlog::logger>("tinyllm", sinks.begin(), sinks.end());
    logger->set_level(*level);
    spdlog::set_default_logger(logger);
    // Existing per-instance loggers keep their sinks; re-point them so a later setup applies.
    spdlog::apply_all([&](const std::shared_ptr<spdlog::logger> &l) {
        l->sinks() = sinks;
        l->set_level(*level);
    });
}

std::shared_ptr<spdlog::logger> make_logger(const std::string &name) {
    std::lock_guard lock(g_mutex);
    if (auto existing = spdlog::get(name)) return existing;
    auto logger = std::make_shared<spdlog::logger>(name, g_sinks.begin(), g_sinks.end());
    logger->set_level(g_level);
    spdlog::register_logger(logger);
    return logger;
}

} // namespace tinyllm::logging
