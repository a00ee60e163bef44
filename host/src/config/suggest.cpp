#include "config/suggest.hpp"

#include <algorithm>

namespace tinyllm::config {

size_t edit_distance(std::string_view a, std::string_view b) {
    // Optimal string alignment distance over a full (a+1) x (b+1) table; keys are short.
    const size_t rows = a.size() + 1;
    const size_t cols = b.size() + 1;
    std::vector<size_t> d(rows * cols, 0);
    auto at = [&](size_t i, size_t j) -> size_t & { return d[i * cols + j]; };
    for (size_t i = 0; i < rows; ++i)
        at(i, 0) = i;
    for (size_t j = 0; j < cols; ++j)
        at(0, j) = j;
    for (size_t i = 1; i < rows; ++i) {
        for (size_t j = 1; j < cols; ++j) {
            const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
            }
        }
    }
    return at(rows - 1, cols - 1);
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string> &candidates) {
    // A third of the word (at least one edit): "url" -> "uri" is a typo, "foo" -> "url" is not.
    const size_t limit = std::max<size_t>(1, word.size() / 3);
    std::optional<std::string> best;
    size_t best_distance = limit + 1;
    for (const std::string &candidate : candidates) {
        const size_t distance = edit_distance(word, candidate);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string> &known,
                         std::string_view list_label, std::string_view when_none) {
    if (const auto match = closest_match(word, known)) {
        return " (did you mean \"" + *match + "\"?)";
    }
    if (known.empty()) return when_none.empty() ? "" : " (" + std::string(when_none) + ")";
    return " (" + std::string(list_label) + ": " + join(known) + ")";
}

std::string join(const std::vector<std::string> &items, std::string_view separator) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += separator;
        out += items[i];
    }
    return out;
}

} // namespace tinyllm::config
