#include "serve/services.hpp"

namespace tinyllm::serve {

void RunsInFlight::started(const std::string &graph) {
    std::lock_guard lock(mutex_);
    ++counts_[graph];
}

void RunsInFlight::ended(const std::string &graph) {
    std::lock_guard lock(mutex_);
    if (--counts_[graph] <= 0) counts_.erase(graph);
}

std::map<std::string, int> RunsInFlight::snapshot() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

} // namespace tinyllm::serve
