#include "config/semver.hpp"

#include <regex>

namespace tinyllm::config {

bool is_semver(std::string_view text) {
    // semver.org's grammar: no leading zeros in numbers, dot-separated identifiers after - and +.
    static const std::regex pattern(
        R"(^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*))"
        R"((-((0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?)"
        R"((\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$)");
    return std::regex_match(text.begin(), text.end(), pattern);
}

} // namespace tinyllm::config
