#include "cli/model_names.hpp"

namespace tinyllm::cli {

std::string with_tag(std::string_view name) {
    // The tag follows the last ':' after the last '/' (a registry host may carry a port).
    const size_t slash = name.rfind('/');
    const size_t colon = name.rfind(':');
    const bool has_tag =
        colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
    return has_tag ? std::string(name) : std::string(name) + ":latest";
}

bool same_model(std::string_view a, std::string_view b) {
    return with_tag(a) == with_tag(b);
}

} // namespace tinyllm::cli
