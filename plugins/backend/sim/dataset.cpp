#include "dataset.hpp"

#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <algorithm>
#include <fstream>
#include <unordered_map>

namespace tinyllm::sim {

namespace {

[[noreturn]] void bad(const std::string &where, const std::string &why) {
    throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "sim backend dataset " + where + ": " + why);
}

std::string text_of(const json::Value &object, const char *key, const std::string &where) {
    const json::Value *v = json::find(object, key);
    if (v == nullptr) return {};
    if (!v->IsString()) bad(where, std::string("\"") + key + "\" must be a string");
    return {v->GetString(), v->GetStringLength()};
}

std::vector<WrongAnswer> wrong_answers(const json::Value &line, const std::string &where) {
    std::vector<WrongAnswer> out;
    const json::Value *wrong = json::find(line, "wrong");
    if (wrong == nullptr) return out;
    if (!wrong->IsArray()) bad(where, "\"wrong\" must be a list of {answer, expression?, kind?}");
    for (const json::Value &w : wrong->GetArray()) {
        if (!w.IsObject()) bad(where, "\"wrong\" must be a list of {answer, expression?, kind?}");
        WrongAnswer a{text_of(w, "kind", where), text_of(w, "expression", where),
                      text_of(w, "answer", where)};
        if (a.answer.empty()) bad(where, "a wrong answer without \"answer\"");
        out.push_back(std::move(a));
    }
    return out;
}

Example example_from(const json::Value &line, const std::string &where) {
    if (!line.IsObject()) bad(where, "not a JSON object");
    Example e;
    e.id = text_of(line, "id", where);
    e.input = text_of(line, "input", where);
    if (e.input.empty()) bad(where, "no \"input\"");
    if (e.id.empty()) bad(where, "no \"id\"");
    e.expected = text_of(line, "expected", where);
    if (const json::Value *labels = json::find(line, "labels")) {
        if (!labels->IsObject()) bad(where, "\"labels\" must be an object");
        e.category = text_of(*labels, "category", where);
        e.route = text_of(*labels, "route", where);
    }
    if (e.route.empty()) e.route = text_of(line, "route", where);
    if (e.category.empty()) e.category = e.route;
    e.expression = text_of(line, "expression", where);
    e.function = text_of(line, "function", where);
    e.solution = text_of(line, "solution", where);
    e.wrong_solution = text_of(line, "wrong_solution", where);
    e.wrong = wrong_answers(line, where);
    if (const json::Value *accept = json::find(line, "accept")) {
        if (!accept->IsArray()) bad(where, "\"accept\" must be a list of strings");
        for (const json::Value &a : accept->GetArray()) {
            if (!a.IsString()) bad(where, "\"accept\" must be a list of strings");
            e.accept.emplace_back(a.GetString(), a.GetStringLength());
        }
    }
    e.source = where;
    return e;
}

std::string base_name(const std::string &path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

Dataset Dataset::load(const std::vector<std::string> &paths) {
    Dataset d;
    std::unordered_map<std::string, std::string> seen; // input -> where
    for (const std::string &path : paths) {
        std::ifstream in(path);
        if (!in) bad(path, "cannot be read");
        std::string text;
        for (size_t number = 1; std::getline(in, text); ++number) {
            if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
            const std::string where = base_name(path) + ":" + std::to_string(number);
            json::Document line;
            if (!json::parse_into(line, text)) bad(path + ":" + std::to_string(number), "not JSON");
            Example e = example_from(line, path + ":" + std::to_string(number));
            e.source = where;
            const auto [it, fresh] = seen.emplace(e.input, where);
            if (!fresh)
                bad(path + ":" + std::to_string(number), "repeats the input of " + it->second);
            d.examples_.push_back(std::move(e));
        }
        if (in.bad()) bad(path, "cannot be read");
    }
    std::stable_sort(
        d.examples_.begin(), d.examples_.end(),
        [](const Example &a, const Example &b) { return a.input.size() > b.input.size(); });
    return d;
}

const Example *Dataset::match(std::string_view text) const {
    for (const Example &e : examples_) {
        if (e.input.size() <= text.size() && text.find(e.input) != std::string_view::npos) {
            return &e;
        }
    }
    return nullptr;
}

} // namespace tinyllm::sim
