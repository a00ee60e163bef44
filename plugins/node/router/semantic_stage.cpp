#include "semantic_stage.hpp"

#include "tinyllm/json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace tinyllm::router {

namespace {

std::string fixed(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
}

// An example's text in a detail line: quoted, cut at 60 bytes (on a UTF-8 boundary).
std::string quoted_example(const std::string &text) {
    constexpr size_t kMax = 60;
    if (text.size() <= kMax) return "\"" + text + "\"";
    size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    return "\"" + text.substr(0, cut) + "...\"";
}

} // namespace

SemanticStage::SemanticStage(std::vector<std::string> routes, std::vector<double> thresholds,
                             double margin, SemanticIndex index, std::vector<std::string> examples)
    : routes_(std::move(routes)), thresholds_(std::move(thresholds)), margin_(margin),
      index_(std::move(index)), examples_(std::move(examples)) {
    thresholds_.resize(routes_.size(), 0.75);
}

StageResult SemanticStage::classify(std::span<const float> query) const {
    const size_t n = routes_.size();
    std::vector<float> best(n);
    std::vector<int> example(n);
    if (!index_.score(query, best, example)) {
        return StageResult::failed("the request's embedding is a zero vector");
    }
    StageResult result;
    result.scores.assign(n, kNoScore);
    int first = -1;
    int second = -1;
    for (size_t r = 0; r < n; ++r) {
        if (example[r] < 0) continue; // no examples: no opinion
        result.scores[r] = best[r];
        const int route = static_cast<int>(r);
        if (first < 0 || best[r] > best[static_cast<size_t>(first)]) {
            second = first;
            first = route;
        } else if (second < 0 || best[r] > best[static_cast<size_t>(second)]) {
            second = route;
        }
    }
    if (first < 0) return StageResult::skipped("no route has examples");

    const auto f = static_cast<size_t>(first);
    const double top = best[f];
    const std::string &name = routes_[f];
    const size_t which = static_cast<size_t>(example[f]);
    std::string detail = name + " " + fixed(top) + " (example " + std::to_string(which) + ": " +
                         (which < examples_.size() ? quoted_example(examples_[which]) : "?") + ")";
    if (second >= 0) {
        const auto s = static_cast<size_t>(second);
        detail += ", runner-up " + routes_[s] + " " + fixed(best[s]);
    }
    if (top < thresholds_[f]) {
        result.detail = detail + ": below the threshold " + fixed(thresholds_[f]);
        return result;
    }
    if (second >= 0 && top - best[static_cast<size_t>(second)] < margin_) {
        result.detail = detail + ": lead " + fixed(top - best[static_cast<size_t>(second)]) +
                        " below the margin " + fixed(margin_);
        return result;
    }
    result.outcome = Outcome::sure;
    result.route = first;
    result.confidence = std::clamp(top, 0.0, 1.0);
    result.detail = std::move(detail);
    return result;
}

std::vector<std::vector<float>> parse_embeddings(std::string_view text, size_t expected) {
    const json::Document doc = json::parse(text, "embeddings", ErrorCode::protocol);
    const json::Value *list = doc.IsObject() ? json::find(doc, "embeddings") : nullptr;
    if (list == nullptr || !list->IsArray()) {
        throw std::runtime_error("the embeddings answer has no \"embeddings\" array");
    }
    if (list->Size() != expected) {
        throw std::runtime_error("got " + std::to_string(list->Size()) + " embeddings for " +
                                 std::to_string(expected) + " texts");
    }
    std::vector<std::vector<float>> out;
    out.reserve(expected);
    for (const json::Value &v : list->GetArray()) {
        if (!v.IsArray() || v.Empty()) throw std::runtime_error("an embedding is not a vector");
        std::vector<float> &row = out.emplace_back();
        row.reserve(v.Size());
        for (const json::Value &x : v.GetArray()) {
            if (!x.IsNumber()) throw std::runtime_error("an embedding holds a non-number");
            row.push_back(static_cast<float>(x.GetDouble()));
        }
        if (row.size() != out.front().size()) {
            throw std::runtime_error("the embeddings have different dimensions (" +
                                     std::to_string(out.front().size()) + " and " +
                                     std::to_string(row.size()) + ")");
        }
    }
    return out;
}

} // namespace tinyllm::router
