#include "ensemble.hpp"

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace tinyllm::ensemble {

namespace {

using sdk::Error;

[[noreturn]] void bad_option(const std::string &option, const std::string &message) {
    throw Error(TLLM_ERR_INVALID_ARGUMENT, option + ": " + message);
}

std::string string_of(const json::Value &v) {
    return {v.GetString(), v.GetStringLength()};
}

// A judge's failure, named after it (its status kept). A message that names the judge already
// is left as it is: an ensemble that reaches itself again (directly or through others) would
// otherwise repeat the chain at every level of the host's nesting bound.
Error renamed(const std::string &name, const Error &e) {
    const std::string prefix = "judge " + name + ": ";
    const std::string message = e.what();
    return Error(e.status(),
                 message.find(prefix) != std::string::npos ? message : prefix + message);
}

// `fn` for one judge, its failure renamed after it.
template <class Fn> auto for_judge(const std::string &name, Fn &&fn) {
    try {
        return fn();
    } catch (const Error &e) {
        throw renamed(name, e);
    }
}

json::Document parse_answer(const std::string &name, const std::string &text) {
    json::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject())
        throw Error(TLLM_ERR_PROTOCOL, "judge " + name + ": its answer is not a JSON object");
    return doc;
}

// Writes the judge's reasons as "name: reason" and its labels as "name.key" into `reasons` and
// `labels`.
void collect(const std::string &name, const json::Value &answer, json::Value &reasons,
             json::Value &labels, json::Allocator &a) {
    if (const json::Value *r = json::find(answer, "reasons"); r != nullptr && r->IsArray()) {
        for (const json::Value &line : r->GetArray()) {
            if (line.IsString())
                reasons.PushBack(json::string_value(name + ": " + string_of(line), a), a);
        }
    }
    if (const json::Value *l = json::find(answer, "labels"); l != nullptr && l->IsObject()) {
        for (const auto &m : l->GetObject()) {
            labels.AddMember(json::string_value(name + "." + string_of(m.name), a),
                             json::Value(m.value, a), a);
        }
    }
}

const char *mode_name(Mode mode) {
    switch (mode) {
    case Mode::all: return "all";
    case Mode::any: return "any";
    case Mode::weighted: return "weighted";
    }
    return "all";
}

} // namespace

EnsembleConfig parse_ensemble_config(std::string_view text) {
    json::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) bad_option("config", "is not a JSON object");
    EnsembleConfig c;
    const json::Value *judges = json::find(doc, "judges");
    if (judges == nullptr || !judges->IsArray() || judges->Empty())
        bad_option("judges", "must list at least one judge by name");
    for (rapidjson::SizeType i = 0; i < judges->Size(); ++i) {
        const json::Value &j = (*judges)[i];
        const std::string at = "judges[" + std::to_string(i) + "]";
        if (!j.IsString() || j.GetStringLength() == 0) bad_option(at, "must be a judge's name");
        const std::string name = string_of(j);
        if (std::find(c.judges.begin(), c.judges.end(), name) != c.judges.end())
            bad_option(at, "names " + name + " a second time");
        c.judges.push_back(name);
    }
    if (const json::Value *m = json::find(doc, "mode")) {
        const std::string mode = m->IsString() ? string_of(*m) : std::string();
        if (mode == "all") {
            c.mode = Mode::all;
        } else if (mode == "any") {
            c.mode = Mode::any;
        } else if (mode == "weighted") {
            c.mode = Mode::weighted;
        } else {
            bad_option("mode", "must be all, any or weighted");
        }
    }
    c.weights.assign(c.judges.size(), 1.0);
    if (const json::Value *w = json::find(doc, "weights")) {
        if (!w->IsObject()) bad_option("weights", "must map judge names to numbers");
        for (const auto &m : w->GetObject()) {
            const std::string name = string_of(m.name);
            const auto it = std::find(c.judges.begin(), c.judges.end(), name);
            if (it == c.judges.end())
                bad_option("weights." + name, "weighs a judge that judges does not list");
            if (!m.value.IsNumber() || !(m.value.GetDouble() >= 0) ||
                !std::isfinite(m.value.GetDouble()))
                bad_option("weights." + name, "must be a number of at least 0");
            c.weights[static_cast<size_t>(it - c.judges.begin())] = m.value.GetDouble();
        }
    }
    if (c.mode == Mode::weighted) {
        double total = 0;
        for (const double w : c.weights)
            total += w;
        if (!(total > 0)) bad_option("weights", "add up to 0: no judge would count");
    }
    if (const json::Value *t = json::find(doc, "threshold")) {
        if (!t->IsNumber() || !(t->GetDouble() >= 0 && t->GetDouble() <= 1))
            bad_option("threshold", "must be a number from 0 to 1");
        c.threshold = t->GetDouble();
    }
    return c;
}

std::string ensemble_grade(const EnsembleConfig &config, const AskJudge &grade) {
    json::Document out(rapidjson::kObjectType);
    json::Allocator &a = out.GetAllocator();
    json::Value reasons(rapidjson::kArrayType);
    json::Value labels(rapidjson::kObjectType);
    double lowest = std::numeric_limits<double>::infinity();
    double highest = -std::numeric_limits<double>::infinity();
    double weighted = 0, total_weight = 0;
    size_t passes = 0;
    std::string failed;
    // In order, every judge: the verdict carries each one's reasons and labels, which failure
    // forensics reads, even when the first has already decided an "all".
    for (size_t i = 0; i < config.judges.size(); ++i) {
        const std::string &name = config.judges[i];
        const json::Document verdict =
            for_judge(name, [&] { return parse_answer(name, grade(name)); });
        const std::optional<double> score = json::get_number(verdict, "score");
        const std::optional<bool> pass = json::get_bool(verdict, "pass");
        if (!score || !pass) // the host checked it; a verdict without them is never a pass
            throw Error(TLLM_ERR_PROTOCOL, "judge " + name + ": its verdict has no score or pass");
        lowest = std::min(lowest, *score);
        highest = std::max(highest, *score);
        weighted += config.weights[i] * *score;
        total_weight += config.weights[i];
        if (*pass) {
            ++passes;
        } else {
            failed += (failed.empty() ? "" : ",") + name;
        }
        collect(name, verdict, reasons, labels, a);
    }
    const size_t n = config.judges.size();
    double score = 0;
    bool pass = false;
    switch (config.mode) {
    case Mode::all:
        score = lowest;
        pass = passes == n;
        break;
    case Mode::any:
        score = highest;
        pass = passes > 0;
        break;
    case Mode::weighted:
        score = total_weight > 0 ? weighted / total_weight : 0;
        pass = score >= config.threshold;
        break;
    }
    labels.AddMember("mode", json::Value(rapidjson::StringRef(mode_name(config.mode))), a);
    labels.AddMember("judges", static_cast<uint64_t>(n), a);
    labels.AddMember("passes", static_cast<uint64_t>(passes), a);
    if (!failed.empty()) labels.AddMember("failed", json::string_value(failed, a), a);
    out.AddMember("score", std::clamp(score, 0.0, 1.0), a);
    out.AddMember("pass", pass, a);
    out.AddMember("reasons", reasons, a);
    out.AddMember("labels", labels, a);
    return json::to_string(out);
}

std::string ensemble_compare(const EnsembleConfig &config, const AskJudge &compare) {
    json::Document out(rapidjson::kObjectType);
    json::Allocator &a = out.GetAllocator();
    json::Value reasons(rapidjson::kArrayType);
    json::Value labels(rapidjson::kObjectType);
    std::array<double, 3> votes{0, 0, 0}; // a, b, tie
    size_t asked = 0;
    std::string unsupported;
    for (size_t i = 0; i < config.judges.size(); ++i) {
        const std::string &name = config.judges[i];
        std::string text;
        try {
            text = compare(name);
        } catch (const Error &e) {
            if (e.status() != TLLM_ERR_UNSUPPORTED) throw renamed(name, e);
            unsupported += (unsupported.empty() ? "" : ", ") + name;
            continue;
        }
        const json::Document answer = parse_answer(name, text);
        const std::string p = json::get_string(answer, "preference").value_or("");
        const size_t slot = p == "a" ? 0 : p == "b" ? 1 : p == "tie" ? 2 : 3;
        if (slot == 3)
            throw Error(TLLM_ERR_PROTOCOL, "judge " + name + ": its preference is not a, b or tie");
        votes[slot] += config.mode == Mode::weighted ? config.weights[i] : 1.0;
        ++asked;
        collect(name, answer, reasons, labels, a);
    }
    if (asked == 0) {
        throw Error(TLLM_ERR_UNSUPPORTED,
                    "none of the ensemble's judges compares two answers (" + unsupported + ")");
    }
    const double most = *std::max_element(votes.begin(), votes.end());
    const int leaders = (votes[0] == most) + (votes[1] == most) + (votes[2] == most);
    // A split between the most voted preferences is no preference.
    const char *preference = leaders > 1        ? "tie"
                             : votes[0] == most ? "a"
                             : votes[1] == most ? "b"
                                                : "tie";
    if (!unsupported.empty())
        reasons.PushBack(json::string_value("not asked (they do not compare): " + unsupported, a),
                         a);
    labels.AddMember("mode", json::Value(rapidjson::StringRef(mode_name(config.mode))), a);
    labels.AddMember("votes_a", votes[0], a);
    labels.AddMember("votes_b", votes[1], a);
    labels.AddMember("votes_tie", votes[2], a);
    out.AddMember("preference", json::Value(rapidjson::StringRef(preference)), a);
    out.AddMember("reasons", reasons, a);
    out.AddMember("labels", labels, a);
    return json::to_string(out);
}

} // namespace tinyllm::ensemble
