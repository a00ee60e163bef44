#include "simulator.hpp"

#include "answers.hpp"
#include "conversation.hpp"
#include "draw.hpp"
#include "judging.hpp"
#include "latency.hpp"
#include "structured.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace tinyllm::sim {

namespace {

constexpr const char *kVersion = "0.1.0-simulated";

std::string now_iso8601() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

int64_t ns(double ms) {
    return static_cast<int64_t>(std::llround(ms * 1e6));
}

// "qwen-sim-0.5b:latest" is "qwen-sim-0.5b", as Ollama treats a name without a tag.
std::string without_latest(const std::string &name) {
    constexpr std::string_view kLatest = ":latest";
    if (name.size() > kLatest.size() &&
        name.compare(name.size() - kLatest.size(), kLatest.size(), kLatest) == 0) {
        return name.substr(0, name.size() - kLatest.size());
    }
    return name;
}

std::string model_name_of(std::string_view request) {
    json::Document doc;
    doc.Parse(request.data(), request.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                         "sim backend: the request is not a JSON object");
    }
    return json::get_string(doc, "model").value_or("");
}

json::Value details_of(const ModelSpec &spec, json::Allocator &a) {
    json::Value d(rapidjson::kObjectType);
    d.AddMember("format", "simulated", a);
    d.AddMember("family", "simulation", a);
    json::Value families(rapidjson::kArrayType);
    families.PushBack("simulation", a);
    d.AddMember("families", families, a);
    std::string size = spec.size;
    for (char &c : size)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    d.AddMember("parameter_size", json::string_value(size, a), a);
    d.AddMember("quantization_level", "none", a);
    d.AddMember("simulated", true, a);
    return d;
}

// The end of an Ollama response: done, the counts and the (simulated) durations, and the mark
// that it is a simulation.
void finish(json::Document &doc, const Timing &timing) {
    json::Allocator &al = doc.GetAllocator();
    doc.AddMember("done", true, al);
    doc.AddMember("done_reason", "stop", al);
    doc.AddMember("total_duration", ns(timing.total_ms()), al);
    doc.AddMember("load_duration", 0, al); // a simulated model is always loaded
    doc.AddMember("prompt_eval_count", timing.prompt_tokens, al);
    doc.AddMember("prompt_eval_duration", ns(timing.first_token_ms), al);
    doc.AddMember("eval_count", timing.completion_tokens, al);
    doc.AddMember("eval_duration",
                  ns(timing.per_token_ms * static_cast<double>(timing.completion_tokens)), al);
    doc.AddMember("simulated", true, al);
}

} // namespace

struct Simulator::Answer {
    std::string model;
    Reply reply;
    Timing timing;
};

std::string dataset_path(const std::string &path, const std::string &datasets_dir) {
    if (path.empty() || path[0] == '/' || datasets_dir.empty()) return path;
    return datasets_dir + "/" + path;
}

Simulator::Simulator(SimConfig config, const std::string &datasets_dir, Log log)
    : config_(std::move(config)), log_(std::move(log)) {
    std::vector<std::string> paths;
    for (const std::string &p : config_.datasets) {
        if (p[0] != '/' && datasets_dir.empty()) {
            throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                             "sim backend: dataset \"" + p +
                                 "\" is a relative path, and the shipped datasets were not found "
                                 "next to the plugin: give an absolute path");
        }
        paths.push_back(dataset_path(p, datasets_dir));
    }
    dataset_ = Dataset::load(paths);
}

const ModelSpec &Simulator::model(const std::string &name) const {
    auto it = config_.models.find(name);
    if (it == config_.models.end()) it = config_.models.find(without_latest(name));
    if (it != config_.models.end()) return it->second;
    std::string known;
    for (const auto &[n, spec] : config_.models)
        known += (known.empty() ? "" : ", ") + n;
    throw sdk::Error(TLLM_ERR_NOT_FOUND, "simulated model \"" + name +
                                             "\" not found (the sim backend's models: " + known +
                                             ")");
}

Simulator::Answer Simulator::answer(sdk::Call &call, std::string_view request,
                                    bool generate) const {
    const Conversation conv =
        generate ? Conversation::parse_generate(request) : Conversation::parse(request);
    const ModelSpec &spec = model(conv.model);
    Draw draw(config_.seed, conv.model);
    int64_t prompt_tokens = 0;
    for (const Message &m : conv.messages) {
        draw.add(m.role);
        draw.add(m.content);
        draw.add(m.tool_calls_json);
        prompt_tokens += estimate_tokens(m.content) + 4; // a few tokens of chat template each
    }
    if (conv.sample_seed) draw.add("seed " + std::to_string(*conv.sample_seed));
    Answer out{conv.model, {}, {}};
    const JudgeFormat judging =
        conv.format == Conversation::Format::schema ? judge_format(conv.schema) : JudgeFormat::none;
    // A grading prompt holds the graded answers too: the example is the one its question is
    // about (between <question> tags when it marks it), not one an answer happens to quote.
    std::string_view about = conv.last_user();
    if (judging != JudgeFormat::none) {
        if (const auto question = tagged(about, "question")) about = *question;
    }
    const Example *example = dataset_.match(about);
    if (example == nullptr) {
        out.reply = {unmatched_reply(conv.model), {}, "no example matches"};
    } else if (judging != JudgeFormat::none) {
        out.reply.content = judge_answer(conv.schema, judging, *example, conv.last_user(),
                                         conv.model, spec, draw, out.reply.decision);
    } else if (conv.format == Conversation::Format::none) {
        out.reply = reply_for(*example, conv, spec, draw, config_.slip_rate);
    } else {
        const Outcome outcome = outcome_for(*example, spec, draw, config_.slip_rate);
        const std::string text = answer_text(*example, outcome, draw);
        out.reply.content = conv.format == Conversation::Format::json
                                ? json_answer(text)
                                : structured_answer(conv.schema, *example, spec, draw, text);
        out.reply.decision = "structured answer";
    }
    if (log_) {
        log_(TLLM_LOG_DEBUG, "simulated " + conv.model + ": " +
                                 (example ? example->id + " (" + example->source + ")"
                                          : std::string("no example")) +
                                 ": " + out.reply.decision);
    }
    const int64_t written =
        estimate_tokens(out.reply.content) + estimate_tokens(out.reply.tool_calls_json);
    out.timing = timing_for(spec, prompt_tokens, std::max<int64_t>(written, 1));
    play(call, out.timing, config_.time_scale, out.reply.content, conv.stream, conv.model);
    return out;
}

std::string Simulator::chat(sdk::Call &call, std::string_view request) const {
    const Answer a = answer(call, request, false);
    json::Document doc(rapidjson::kObjectType);
    json::Allocator &al = doc.GetAllocator();
    doc.AddMember("model", json::string_value(a.model, al), al);
    doc.AddMember("created_at", json::string_value(now_iso8601(), al), al);
    json::Value message(rapidjson::kObjectType);
    message.AddMember("role", "assistant", al);
    message.AddMember("content", json::string_value(a.reply.content, al), al);
    if (!a.reply.tool_calls_json.empty()) {
        json::Document calls;
        calls.Parse(a.reply.tool_calls_json.c_str());
        message.AddMember("tool_calls", json::Value(calls, al), al);
    }
    doc.AddMember("message", message, al);
    finish(doc, a.timing);
    return json::to_string(doc);
}

std::string Simulator::generate(sdk::Call &call, std::string_view request) const {
    const Answer a = answer(call, request, true);
    json::Document doc(rapidjson::kObjectType);
    json::Allocator &al = doc.GetAllocator();
    doc.AddMember("model", json::string_value(a.model, al), al);
    doc.AddMember("created_at", json::string_value(now_iso8601(), al), al);
    doc.AddMember("response", json::string_value(a.reply.content, al), al);
    finish(doc, a.timing);
    return json::to_string(doc);
}

std::string Simulator::embed(sdk::Call &call, std::string_view request) const {
    json::Document req;
    req.Parse(request.data(), request.size());
    if (req.HasParseError() || !req.IsObject()) {
        throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                         "sim backend: the request is not a JSON object");
    }
    const std::string name = json::get_string(req, "model").value_or("");
    model(name); // an unknown model fails as it would on a server
    std::vector<std::string> texts;
    const json::Value *input = json::find(req, "input");
    if (input != nullptr && input->IsString()) {
        texts.emplace_back(input->GetString(), input->GetStringLength());
    } else if (input != nullptr && input->IsArray()) {
        for (const json::Value &t : input->GetArray()) {
            if (!t.IsString())
                throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "embed: input must be text");
            texts.emplace_back(t.GetString(), t.GetStringLength());
        }
    } else {
        throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "embed: input must be a string or a list");
    }
    json::Document doc(rapidjson::kObjectType);
    json::Allocator &al = doc.GetAllocator();
    json::Value vectors(rapidjson::kArrayType);
    for (const std::string &text : texts) {
        call.check_cancelled();
        // Pseudo-random unit vectors keyed by (seed, model, text): stable, so the host's
        // embedding cache and a router's semantic stage work, but they carry no meaning, so
        // similarities are near zero and a semantic stage is never sure on the simulation.
        Draw draw(config_.seed, name);
        draw.add(text);
        std::vector<double> v(static_cast<size_t>(config_.embedding_dimensions));
        double norm = 0;
        uint64_t state = draw.key();
        for (double &x : v) {
            state = mix(state);
            x = static_cast<double>(state >> 11) * 0x1.0p-53 * 2.0 - 1.0;
            norm += x * x;
        }
        norm = std::sqrt(norm);
        json::Value row(rapidjson::kArrayType);
        for (const double x : v)
            row.PushBack(norm > 0 ? x / norm : 0.0, al);
        vectors.PushBack(row, al);
    }
    doc.AddMember("model", json::string_value(name, al), al);
    doc.AddMember("embeddings", vectors, al);
    doc.AddMember("simulated", true, al);
    return json::to_string(doc);
}

std::string Simulator::list_models() const {
    json::Document doc(rapidjson::kObjectType);
    json::Allocator &al = doc.GetAllocator();
    json::Value models(rapidjson::kArrayType);
    for (const auto &[name, spec] : config_.models) {
        json::Value m(rapidjson::kObjectType);
        m.AddMember("name", json::string_value(name, al), al);
        m.AddMember("model", json::string_value(name, al), al);
        m.AddMember("modified_at", "1970-01-01T00:00:00Z", al);
        m.AddMember("size", 0, al); // nothing is stored: no weights exist
        char digest[32];
        std::snprintf(digest, sizeof digest, "simulated-%016llx",
                      static_cast<unsigned long long>(fnv1a(name)));
        m.AddMember("digest", json::string_value(digest, al), al);
        m.AddMember("details", details_of(spec, al), al);
        models.PushBack(m, al);
    }
    doc.AddMember("models", models, al);
    return json::to_string(doc);
}

std::string Simulator::show_model(std::string_view request) const {
    const std::string name = model_name_of(request);
    const ModelSpec &spec = model(name);
    json::Document doc(rapidjson::kObjectType);
    json::Allocator &al = doc.GetAllocator();
    doc.AddMember("modelfile",
                  "# A simulated model (TinyLLM's sim backend): no weights, answers drawn from "
                  "labelled datasets with the configured accuracy.",
                  al);
    doc.AddMember("details", details_of(spec, al), al);
    json::Value info(rapidjson::kObjectType);
    info.AddMember("general.architecture", "simulation", al);
    info.AddMember("simulation.context_length", 32768, al);
    doc.AddMember("model_info", info, al);
    json::Value caps(rapidjson::kArrayType);
    caps.PushBack("completion", al).PushBack("tools", al).PushBack("embedding", al);
    doc.AddMember("capabilities", caps, al);
    json::Value sim(rapidjson::kObjectType);
    json::Value accuracy(rapidjson::kObjectType);
    for (const auto &[label, p] : spec.accuracy)
        accuracy.AddMember(json::string_value(label, al), json::Value(p), al);
    sim.AddMember("accuracy", accuracy, al);
    sim.AddMember("default_accuracy", spec.default_accuracy, al);
    sim.AddMember("tool_call_rate", spec.tool_call_rate, al);
    sim.AddMember("first_token_ms", spec.first_token_ms, al);
    sim.AddMember("per_token_ms", spec.per_token_ms, al);
    sim.AddMember("examples", static_cast<uint64_t>(dataset_.size()), al);
    doc.AddMember("simulation", sim, al);
    return json::to_string(doc);
}

std::string Simulator::pull_model(sdk::Call &call, std::string_view request) const {
    const std::string name = model_name_of(request);
    model(name);
    call.progress("simulated model " + name + ": nothing to download", 0, 0);
    return R"({"status":"success"})";
}

std::string Simulator::server_version() const {
    const auto count = [](size_t n, const char *what) {
        return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
    };
    return "{\"version\":\"" + std::string(kVersion) + "\",\"endpoint\":\"simulation of " +
           count(config_.models.size(), "model") + " over " + count(dataset_.size(), "example") +
           " from " + count(config_.datasets.size(), "dataset") + " (no server)\"}";
}

} // namespace tinyllm::sim
