#include "llm_judge.hpp"

#include "answer/rules.hpp"
#include "answer/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tinyllm::llm_judge {

namespace {

using sdk::Error;

constexpr size_t kMaxReasons = 5;

[[noreturn]] void bad_option(const std::string &option, const std::string &message) {
    throw Error(TLLM_ERR_INVALID_ARGUMENT, option + ": " + message);
}

std::string string_of(const json::Value &v) {
    return {v.GetString(), v.GetStringLength()};
}

// The rules need a Tools; the format check calls none.
class NoTools final : public answer::Tools {
public:
    std::string call(const std::string &tool, const std::string &) override {
        throw Error(TLLM_ERR_NOT_FOUND, "no tool " + tool + " while reading a verdict");
    }
};

// The JSON text of an answer, found as the json_schema rule finds it (answer/json_rules.cpp):
// its ```json block, or the answer when it is one fenced block, or else the whole answer.
std::string_view json_text(const answer::Answer &a) {
    for (const answer::FencedBlock &b : a.fences.blocks) {
        if (b.language == "json") return b.code;
    }
    const std::string_view trimmed = answer::trim(a.content);
    const bool fenced = trimmed.rfind("```", 0) == 0 || trimmed.rfind("~~~", 0) == 0;
    if (fenced && a.fences.blocks.size() == 1) return a.fences.blocks.front().code;
    return trimmed;
}

// The model's answer as a JSON object that follows the prompt's format, or null with `why`.
std::optional<json::Document> checked_answer(std::string_view content, const GradingPrompt &prompt,
                                             std::string &why) {
    if (!answer::has_visible_text(content)) {
        why = "the answer is empty";
        return std::nullopt;
    }
    const answer::Answer a{std::string(content)};
    NoTools tools;
    const answer::Outcome outcome = prompt.format_rule().check(a, tools);
    if (!outcome.pass) {
        why = outcome.reason;
        return std::nullopt;
    }
    json::Document doc;
    const std::string_view text = json_text(a);
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        why = "the answer is not a JSON object";
        return std::nullopt;
    }
    return doc;
}

std::vector<std::string> reasons_of(const json::Value &doc) {
    std::vector<std::string> out;
    const auto add = [&](const json::Value &v) {
        if (!v.IsString()) return;
        const std::string_view line = answer::trim({v.GetString(), v.GetStringLength()});
        if (!line.empty()) out.emplace_back(line);
    };
    if (const json::Value *r = json::find(doc, "reasons"); r != nullptr && r->IsArray()) {
        for (const json::Value &line : r->GetArray())
            add(line);
    } else if (const json::Value *one = json::find(doc, "reason"); one != nullptr) {
        add(*one);
    }
    return out;
}

// Up to kMaxReasons distinct lines, in order.
void add_reasons(std::vector<std::string> &into, const std::vector<std::string> &lines,
                 std::string_view prefix = {}) {
    for (const std::string &line : lines) {
        if (into.size() >= kMaxReasons) return;
        std::string text = std::string(prefix) + line;
        if (std::find(into.begin(), into.end(), text) == into.end())
            into.push_back(std::move(text));
    }
}

std::string shown_model(const std::string &model) {
    return model.empty() ? "default_model" : model;
}

double rounded(double x, double unit) {
    return std::round(x / unit) * unit;
}

// The verdict and preference documents, written with their labels in a fixed order.
class Out {
public:
    Out() : writer_(buffer_) { writer_.StartObject(); }
    void key(const char *k) { writer_.Key(k); }
    void number(const char *k, double v) {
        writer_.Key(k);
        writer_.Double(v);
    }
    void integer(const char *k, int64_t v) {
        writer_.Key(k);
        writer_.Int64(v);
    }
    void boolean(const char *k, bool v) {
        writer_.Key(k);
        writer_.Bool(v);
    }
    void text(const char *k, std::string_view v) {
        writer_.Key(k);
        writer_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    }
    void lines(const char *k, const std::vector<std::string> &v) {
        writer_.Key(k);
        writer_.StartArray();
        for (const std::string &line : v)
            writer_.String(line.data(), static_cast<rapidjson::SizeType>(line.size()));
        writer_.EndArray();
    }
    void start(const char *k) {
        writer_.Key(k);
        writer_.StartObject();
    }
    void end() { writer_.EndObject(); }
    std::string finish() {
        writer_.EndObject();
        return {buffer_.GetString(), buffer_.GetSize()};
    }

private:
    rapidjson::StringBuffer buffer_;
    json::Writer writer_;
};

// The variables the grading prompts render with, from a request: every string member as it is
// and the context object (empty when absent, so {{#context.tests}} reads as false).
json::Document variables_of(const json::Value &request,
                            std::initializer_list<std::pair<const char *, const char *>> names) {
    json::Document vars(rapidjson::kObjectType);
    json::Allocator &a = vars.GetAllocator();
    for (const auto &[variable, member] : names) {
        const json::Value *v = json::find(request, member);
        if (v != nullptr && v->IsString()) {
            vars.AddMember(json::Value(variable, a), json::Value(*v, a), a);
        }
    }
    const json::Value *context = json::find(request, "context");
    vars.AddMember("context",
                   context != nullptr && context->IsObject() ? json::Value(*context, a)
                                                             : json::Value(rapidjson::kObjectType),
                   a);
    return vars;
}

} // namespace

// ---- config ----------------------------------------------------------------------------------

LlmConfig parse_llm_config(std::string_view text) {
    json::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) bad_option("config", "is not a JSON object");
    LlmConfig c;
    const auto string_option = [&](const char *key, std::string &into) {
        if (const json::Value *v = json::find(doc, key)) {
            if (!v->IsString() || v->GetStringLength() == 0) bad_option(key, "must be a name");
            into = string_of(*v);
        }
    };
    const auto int_option = [&](const char *key, int low, int high, int &into) {
        if (const json::Value *v = json::find(doc, key)) {
            if (!v->IsInt() || v->GetInt() < low || v->GetInt() > high) {
                bad_option(key, "must be an integer from " + std::to_string(low) + " to " +
                                    std::to_string(high));
            }
            into = v->GetInt();
        }
    };
    string_option("prompt_id", c.prompt_id);
    string_option("pairwise_prompt_id", c.pairwise_prompt_id);
    if (const json::Value *m = json::find(doc, "model")) {
        if (m->IsString() && m->GetStringLength() > 0) {
            c.model = string_of(*m);
        } else if (m->IsObject()) {
            const json::Value *role = json::find(*m, "role");
            if (role == nullptr || !role->IsString() || role->GetStringLength() == 0)
                bad_option("model.role", "must be a role name (a models.yaml roles: tag)");
            c.role = string_of(*role);
            c.min_size = json::get_string(*m, "min_size").value_or("");
        } else {
            bad_option("model", "must be a models.yaml model name or {role, min_size}");
        }
    }
    int_option("samples", 1, 9, c.samples);
    int_option("max_attempts", 1, 5, c.max_attempts);
    if (const json::Value *v = json::find(doc, "aggregate")) {
        const std::string a = v->IsString() ? string_of(*v) : std::string();
        if (a == "majority") {
            c.aggregate = Aggregate::majority;
        } else if (a == "mean") {
            c.aggregate = Aggregate::mean;
        } else {
            bad_option("aggregate", "must be majority or mean");
        }
    }
    if (const json::Value *v = json::find(doc, "pass_score")) {
        if (!v->IsNumber() || !(v->GetDouble() >= 0 && v->GetDouble() <= 1))
            bad_option("pass_score", "must be a number from 0 to 1");
        c.pass_score = v->GetDouble();
    }
    if (const json::Value *v = json::find(doc, "options")) {
        if (!v->IsObject()) bad_option("options", "must be an object of model options");
        c.options_json = json::to_string(*v);
    }
    return c;
}

std::string sample_options(const LlmConfig &config, int index) {
    json::Document options(rapidjson::kObjectType);
    json::Allocator &a = options.GetAllocator();
    if (!config.options_json.empty()) {
        options.Parse(config.options_json.c_str());
    } else {
        options.AddMember("temperature", config.samples > 1 ? 0.7 : 0.0, a);
    }
    if (config.samples > 1) {
        // A seed per sample: the samples differ, and the same grade asked again repeats them.
        const int64_t base = json::get_int(options, "seed").value_or(0);
        options.RemoveMember("seed");
        options.AddMember("seed", base + index, a);
    }
    return json::to_string(options);
}

// ---- prompts ---------------------------------------------------------------------------------

GradingPrompt::GradingPrompt(std::string_view prompt_json, Kind kind) {
    json::Document doc;
    doc.Parse(prompt_json.data(), prompt_json.size());
    if (doc.HasParseError() || !doc.IsObject())
        throw Error(TLLM_ERR_PROTOCOL, "the prompts service answered something else than a prompt");
    id_ = json::get_string(doc, "id").value_or("?");
    version_ = json::get_string(doc, "version").value_or("");
    const auto refuse = [&](const std::string &why) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT,
                    "prompt " + id_ + " cannot serve the llm judge: " + why);
    };
    if (const json::Value *model = json::find(doc, "model"); model && model->IsObject()) {
        role_ = json::get_string(*model, "role").value_or("");
        min_size_ = json::get_string(*model, "min_size").value_or("");
    }
    const json::Value *format = json::find(doc, "format");
    if (format == nullptr || !format->IsObject()) {
        refuse("it has no format (a JSON Schema of the verdict), so the model's answer could not "
               "be checked");
    }
    format_json_ = json::to_string(*format);
    const json::Value *properties = json::find(*format, "properties");
    const auto property = [&](const char *name) -> const json::Value * {
        const json::Value *p = properties != nullptr && properties->IsObject()
                                   ? json::find(*properties, name)
                                   : nullptr;
        return p != nullptr && p->IsObject() ? p : nullptr;
    };
    const auto enum_has = [](const json::Value *p, std::initializer_list<std::string_view> names) {
        const json::Value *e = p != nullptr ? json::find(*p, "enum") : nullptr;
        if (e == nullptr || !e->IsArray()) return false;
        for (const std::string_view n : names) {
            bool found = false;
            for (const json::Value &v : e->GetArray())
                found = found || (v.IsString() && std::string_view(v.GetString()) == n);
            if (!found) return false;
        }
        return true;
    };
    shape_.reasons = property("reasons") != nullptr || property("reason") != nullptr;
    std::vector<std::string_view> given = {"input", "expected", "rubric", "context"};
    if (kind == Kind::grade) {
        given.push_back("output");
        if (const json::Value *score = property("score")) {
            shape_.has_score = true;
            shape_.min = json::get_number(*score, "minimum").value_or(1);
            shape_.max = json::get_number(*score, "maximum").value_or(5);
            if (!(shape_.max > shape_.min))
                refuse("format's score has no range (maximum > minimum)");
        }
        shape_.verdict_enum = enum_has(property("verdict"), {"pass", "fail"});
        const json::Value *pass = property("pass");
        shape_.pass_boolean =
            pass != nullptr && json::get_string(*pass, "type").value_or("") == "boolean";
        if (!shape_.has_score && !shape_.verdict_enum && !shape_.pass_boolean) {
            refuse("its format has neither a score, a verdict (enum pass, fail) nor a pass "
                   "boolean");
        }
    } else {
        given.push_back("a");
        given.push_back("b");
        if (!enum_has(property("preference"), {"a", "b"}))
            refuse("its format has no preference (enum a, b, tie)");
    }
    if (const json::Value *vars = json::find(doc, "variables"); vars && vars->IsObject()) {
        for (const auto &m : vars->GetObject()) {
            const std::string name = string_of(m.name);
            const bool required =
                m.value.IsObject() && json::get_bool(m.value, "required").value_or(true);
            if (required && std::find(given.begin(), given.end(), name) == given.end()) {
                std::string list;
                for (const std::string_view g : given)
                    list += (list.empty() ? "" : ", ") + std::string(g);
                refuse("it requires the variable \"" + name +
                       "\", which the judge does not give (" + list + ")");
            }
        }
    }
    try {
        system_.emplace(json::get_string(doc, "system").value_or(""), "prompt " + id_ + " system");
        template_.emplace(json::get_string(doc, "template").value_or(""),
                          "prompt " + id_ + " template");
        format_rule_ = answer::make_json_schema(*format);
    } catch (const std::exception &e) {
        refuse(e.what());
    }
    if (const json::Value *examples = json::find(doc, "examples");
        examples && examples->IsArray()) {
        for (const json::Value &e : examples->GetArray()) {
            if (!e.IsObject()) continue;
            const json::Value *output = json::find(e, "output");
            examples_.emplace_back(json::get_string(e, "input").value_or(""),
                                   output == nullptr    ? std::string()
                                   : output->IsString() ? string_of(*output)
                                                        : json::to_string(*output));
        }
    }
}

sdk::ChatRequest GradingPrompt::request_for(const json::Value &variables) const {
    sdk::ChatRequest request;
    if (!system_->empty())
        request.messages.push_back({"system", system_->render(variables), {}, {}});
    for (const auto &[user, assistant] : examples_) {
        request.messages.push_back({"user", user, {}, {}}); // as written, not through template
        request.messages.push_back({"assistant", assistant, {}, {}});
    }
    request.messages.push_back({"user", template_->render(variables), {}, {}});
    request.stream = false;
    request.format_json = format_json_;
    return request;
}

// ---- reading answers -------------------------------------------------------------------------

std::optional<GradeSample> read_grade(std::string_view content, const GradingPrompt &prompt,
                                      double pass_score, std::string &why) {
    const std::optional<json::Document> doc = checked_answer(content, prompt, why);
    if (!doc) return std::nullopt;
    const VerdictShape &shape = prompt.shape();
    GradeSample s;
    std::optional<bool> verdict;
    if (shape.verdict_enum) {
        const std::string v = json::get_string(*doc, "verdict").value_or("");
        if (v == "pass" || v == "fail") verdict = v == "pass";
    }
    if (!verdict && shape.pass_boolean) verdict = json::get_bool(*doc, "pass");
    std::optional<double> score;
    if (shape.has_score) {
        const std::optional<double> raw = json::get_number(*doc, "score");
        if (raw && *raw >= shape.min && *raw <= shape.max)
            score = (*raw - shape.min) / (shape.max - shape.min);
        if (!score && !verdict) {
            char range[64];
            std::snprintf(range, sizeof range, "%g to %g", shape.min, shape.max);
            why = std::string("the answer has no score from ") + range;
            return std::nullopt;
        }
    }
    if (!score && !verdict) {
        why = "the answer has no verdict (pass or fail)";
        return std::nullopt;
    }
    // Without a verdict field the score decides; without a score the verdict is all or nothing.
    s.pass = verdict ? *verdict : *score >= pass_score;
    s.score = score ? *score : (s.pass ? 1.0 : 0.0);
    s.consistent = !score || !verdict || ((*score >= pass_score) == *verdict);
    s.reasons = reasons_of(*doc);
    return s;
}

std::optional<Preference> read_preference(std::string_view content, const GradingPrompt &prompt,
                                          std::string &why) {
    const std::optional<json::Document> doc = checked_answer(content, prompt, why);
    if (!doc) return std::nullopt;
    Preference p;
    p.preference = json::get_string(*doc, "preference").value_or("");
    if (p.preference != "a" && p.preference != "b" && p.preference != "tie") {
        why = "the answer's preference is not a, b or tie";
        return std::nullopt;
    }
    p.reasons = reasons_of(*doc);
    return p;
}

// ---- the judge -------------------------------------------------------------------------------

template <class Read>
void LlmJudge::ask_until_read(sdk::ChatRequest request, const std::string &model, const Ask &ask,
                              Read &&read, int &retries) const {
    for (int attempt = 1;; ++attempt) {
        const sdk::ChatAnswer answer = ask(request);
        std::string why;
        if (read(answer.content, why)) return;
        if (attempt >= config_.max_attempts) {
            throw Error(TLLM_ERR_PROTOCOL,
                        "model " + shown_model(model) + " answered outside the verdict format " +
                            answer::count_noun(attempt, "time") + " (max_attempts " +
                            std::to_string(config_.max_attempts) + "): " + why +
                            "; its last answer: \"" + answer::excerpt(answer.content, 120) + "\"");
        }
        // Asked again with its answer and what is wrong with it: a retry of the same request
        // at temperature 0 would only repeat the mistake.
        ++retries;
        request.messages.push_back({"assistant", answer.content, {}, {}});
        request.messages.push_back(
            {"user",
             "That answer cannot be used: " + why +
                 ".\nReply again with only the JSON object the instructions describe, nothing "
                 "else.",
             {},
             {}});
    }
}

std::string LlmJudge::grade(const json::Value &request, const GradingPrompt &prompt,
                            const std::string &model, const Ask &ask) const {
    const json::Document vars = variables_of(
        request,
        {{"input", "input"}, {"output", "output"}, {"expected", "expected"}, {"rubric", "rubric"}});
    const sdk::ChatRequest base = prompt.request_for(vars);
    std::vector<GradeSample> samples;
    int retries = 0;
    for (int i = 0; i < config_.samples; ++i) {
        sdk::ChatRequest r = base;
        r.options_json = sample_options(config_, i);
        ask_until_read(
            std::move(r), model, ask,
            [&](std::string_view content, std::string &why) {
                auto s = read_grade(content, prompt, config_.pass_score, why);
                if (s) samples.push_back(std::move(*s));
                return s.has_value();
            },
            retries);
    }
    const size_t n = samples.size();
    double mean = 0;
    size_t passes = 0, inconsistent = 0;
    for (const GradeSample &s : samples) {
        mean += s.score / static_cast<double>(n);
        passes += s.pass ? 1 : 0;
        inconsistent += s.consistent ? 0 : 1;
    }
    // Majority: more than half pass (an even split fails: a grade is never a pass on doubt).
    const bool pass =
        config_.aggregate == Aggregate::majority ? 2 * passes > n : mean >= config_.pass_score;
    size_t agreeing = 0;
    std::vector<std::string> reasons;
    for (const GradeSample &s : samples) {
        if (s.pass != pass) continue;
        ++agreeing;
        add_reasons(reasons, s.reasons);
    }
    Out out;
    out.number("score", std::clamp(rounded(mean, 1e-6), 0.0, 1.0));
    out.boolean("pass", pass);
    out.lines("reasons", reasons);
    out.start("labels");
    out.text("judge_model", shown_model(model));
    out.integer("samples", static_cast<int64_t>(n));
    out.number("agreement", rounded(static_cast<double>(agreeing) / static_cast<double>(n), 1e-3));
    if (n > 1)
        out.text("aggregate", config_.aggregate == Aggregate::majority ? "majority" : "mean");
    // An empty expected renders no reference block ({{#expected}} is false): not guided.
    const json::Value *expected = json::find(vars, "expected");
    out.boolean("reference", expected != nullptr && expected->GetStringLength() > 0);
    out.text("prompt", prompt.id() + "@" + prompt.version());
    if (retries > 0) out.integer("retries", retries);
    if (inconsistent > 0) out.integer("inconsistent", static_cast<int64_t>(inconsistent));
    out.end();
    return out.finish();
}

std::string LlmJudge::compare(const json::Value &request, const GradingPrompt &prompt,
                              const std::string &model, const Ask &ask) const {
    const json::Document first = variables_of(request, {{"input", "input"},
                                                        {"a", "a"},
                                                        {"b", "b"},
                                                        {"expected", "expected"},
                                                        {"rubric", "rubric"}});
    const json::Document swapped = variables_of(request, {{"input", "input"},
                                                          {"a", "b"},
                                                          {"b", "a"},
                                                          {"expected", "expected"},
                                                          {"rubric", "rubric"}});
    // One answer per order; sampling would only add noise to a comparison that is already asked
    // twice, so the temperature is 0 unless options say otherwise.
    LlmConfig one = config_;
    one.samples = 1;
    int retries = 0;
    const auto ask_order = [&](const json::Document &vars) {
        sdk::ChatRequest r = prompt.request_for(vars);
        r.options_json = sample_options(one, 0);
        Preference p;
        ask_until_read(
            std::move(r), model, ask,
            [&](std::string_view content, std::string &why) {
                auto read = read_preference(content, prompt, why);
                if (read) p = std::move(*read);
                return read.has_value();
            },
            retries);
        return p;
    };
    const Preference p1 = ask_order(first);
    const Preference p2 = ask_order(swapped);
    // The second order's "a" is the request's b.
    const std::string p2_mapped = p2.preference == "a" ? "b" : p2.preference == "b" ? "a" : "tie";
    const bool agree = p1.preference == p2_mapped;
    // The same position preferred both times: the answers did not decide, their order did.
    const bool position_bias = !agree && p1.preference == p2.preference && p1.preference != "tie";
    std::vector<std::string> reasons;
    if (!agree) {
        reasons.push_back("the two orders disagree (" + p1.preference + ", then " + p2_mapped +
                          " with the answers swapped): counted as a tie");
    }
    add_reasons(reasons, p1.reasons);
    add_reasons(reasons, p2.reasons, "answers swapped: ");
    Out out;
    out.text("preference", agree ? p1.preference : "tie");
    out.lines("reasons", reasons);
    out.start("labels");
    out.text("judge_model", shown_model(model));
    out.text("first", p1.preference);
    out.text("swapped", p2.preference);
    out.boolean("orders_agree", agree);
    out.boolean("position_bias", position_bias);
    out.text("prompt", prompt.id() + "@" + prompt.version());
    if (retries > 0) out.integer("retries", retries);
    out.end();
    return out.finish();
}

} // namespace tinyllm::llm_judge
