#include "refine_prompt.hpp"

#include "graph_edit/evidence.hpp"
#include "graph_edit/graph_edit.hpp"
#include "graph_edit/prompt_parts.hpp"

#include "tinyllm/prompt_template.hpp"

#include <algorithm>
#include <variant>
#include <vector>

namespace tinyllm::mutation {

namespace ge = graph_edit;

namespace {

[[noreturn]] void bad(const std::string &message) {
    throw sdk::Error(TLLM_ERR_INVALID_ARGUMENT, message);
}

int int_option(const json::Document &doc, const char *key, int lo, int hi, int fallback) {
    const json::Value *v = json::find(doc, key);
    if (v == nullptr) return fallback;
    if (!v->IsInt() || v->GetInt() < lo || v->GetInt() > hi)
        bad(std::string(key) + ": expected an integer from " + std::to_string(lo) + " to " +
            std::to_string(hi));
    return v->GetInt();
}

// Up to `limit` failing examples, one from each kind of answer failure in turn, so that the
// model sees every kind of mistake before a second of the commonest.
std::vector<const ge::FailureExample *> examples_of(const ge::Request &request, size_t limit) {
    std::vector<const ge::FailureExample *> out;
    for (size_t round = 0; out.size() < limit; ++round) {
        bool any = false;
        for (const ge::FailureGroup &g : request.failures) {
            if (!ge::answer_failure(g) || round >= g.examples.size()) continue;
            any = true;
            if (!g.examples[round].input.empty() && out.size() < limit)
                out.push_back(&g.examples[round]);
        }
        if (!any) break;
    }
    return out;
}

std::string clip(std::string_view text, size_t n) {
    if (text.size() <= n) return std::string(text);
    size_t cut = n;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut; // not inside a UTF-8 sequence
    return std::string(text.substr(0, cut)) + "...";
}

size_t words_of(std::string_view text) {
    size_t n = 0;
    bool in_word = false;
    for (const char c : text) {
        const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (!space && !in_word) ++n;
        in_word = !space;
    }
    return n;
}

std::string trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t'))
        s.remove_suffix(1);
    return std::string(s);
}

// The JSON object in a reply, without a Markdown fence around it.
std::string unfenced(const std::string &reply) {
    std::string t = trimmed(reply);
    if (t.rfind("```", 0) == 0) {
        const size_t open = t.find('\n');
        const size_t close = t.rfind("```");
        if (open != std::string::npos && close != std::string::npos && close > open)
            t = trimmed(std::string_view(t).substr(open + 1, close - open - 1));
    }
    return t;
}

struct Rewrite {
    std::string system;
    std::string rationale;
};

// The model's reply read, or why it cannot be used.
std::variant<Rewrite, std::string> read_reply(const std::string &reply, const RefineConfig &config,
                                              const std::string &current) {
    json::Document doc;
    if (!json::parse_into(doc, unfenced(reply)) || !doc.IsObject())
        return "it is not the JSON object the prompt asks for: \"" + clip(trimmed(reply), 120) +
               "\"";
    const json::Value *system = json::find(doc, "system");
    if (system == nullptr || !system->IsString()) return std::string("it has no \"system\" string");
    Rewrite r{trimmed(std::string_view(system->GetString(), system->GetStringLength())),
              trimmed(ge::string_of(doc, "rationale"))};
    const size_t words = words_of(r.system);
    if (words < static_cast<size_t>(config.min_words))
        return "the system prompt has " + ge::plural(static_cast<int64_t>(words), "word") +
               ", fewer than min_words " + std::to_string(config.min_words);
    if (r.system.size() > static_cast<size_t>(config.max_chars))
        return "the system prompt has " + std::to_string(r.system.size()) +
               " characters, more than max_chars " + std::to_string(config.max_chars);
    if (ge::has_template_tags(r.system))
        return std::string("the system prompt has {{...}} tags, which the model node would "
                           "render as a template");
    if (r.system == trimmed(current)) return std::string("it is the current system prompt");
    return r;
}

// The variables of the refine prompt's templates.
json::Document variables_for(const ge::Request &request, const ge::PromptParts &prompt,
                             const std::vector<const ge::FailureExample *> &examples) {
    json::Document v(rapidjson::kObjectType);
    json::Allocator &a = v.GetAllocator();
    v.AddMember("node", json::string_value(request.node, a), a);
    v.AddMember("system", json::string_value(prompt.system, a), a);
    std::string tools;
    const json::Value *config = json::find(request.node_value(), "config");
    if (const json::Value *t =
            config && config->IsObject() ? json::find(*config, "tools") : nullptr;
        t != nullptr && t->IsArray()) {
        for (const json::Value &name : t->GetArray()) {
            if (name.IsString())
                tools += (tools.empty() ? "" : ", ") + std::string(name.GetString());
        }
    }
    if (!tools.empty()) v.AddMember("tools", json::string_value(tools, a), a);
    json::Value list(rapidjson::kArrayType);
    for (const ge::FailureExample *e : examples) {
        json::Value item(rapidjson::kObjectType);
        item.AddMember("request", json::string_value(clip(e->input, 1500), a), a);
        item.AddMember("answer", json::string_value(clip(e->output, 1500), a), a);
        if (!e->expected.empty())
            item.AddMember("expected", json::string_value(clip(e->expected, 600), a), a);
        std::string reasons;
        for (const std::string &r : e->reasons)
            reasons += (reasons.empty() ? "" : "; ") + r;
        item.AddMember("reasons", json::string_value(reasons.empty() ? "not given" : reasons, a),
                       a);
        list.PushBack(item, a);
    }
    v.AddMember("examples", list, a);
    return v;
}

} // namespace

RefineConfig parse_refine_config(std::string_view config_json) {
    json::Document doc;
    try {
        doc = json::parse_object(config_json, "refine_prompt config", ErrorCode::invalid_argument);
    } catch (const tinyllm::Error &e) {
        bad(e.what());
    }
    RefineConfig c;
    if (const json::Value *v = json::find(doc, "prompt_id")) {
        if (!v->IsString() || v->GetStringLength() == 0) bad("prompt_id: expected a prompt id");
        c.prompt_id = v->GetString();
    }
    if (const json::Value *v = json::find(doc, "model")) {
        if (!v->IsString()) bad("model: expected a models.yaml name");
        c.model = v->GetString();
    }
    c.max_examples = int_option(doc, "max_examples", 1, 20, c.max_examples);
    c.min_words = int_option(doc, "min_words", 1, 100000, c.min_words);
    c.max_chars = int_option(doc, "max_chars", 100, 1000000, c.max_chars);
    if (const json::Value *v = json::find(doc, "fold_examples")) {
        if (!v->IsBool()) bad("fold_examples: expected true or false");
        c.fold_examples = v->GetBool();
    }
    return c;
}

ge::Proposal propose_refinement(const ge::Request &request, const RefineConfig &config,
                                ge::Services &services) {
    const std::string &id = request.node;
    const std::string type = ge::string_of(request.node_value(), "type");
    if (type != "model") {
        return ge::Proposal::none(id + " is a " + type +
                                  " node: refine_prompt rewrites the prompts of model nodes");
    }
    const std::vector<const ge::FailureExample *> examples =
        examples_of(request, static_cast<size_t>(config.max_examples));
    if (examples.empty()) {
        return ge::Proposal::none(id + " has no failing examples of its answers to learn a better "
                                       "prompt from");
    }
    ge::PromptParts current;
    json::Document meta;
    try {
        current = ge::prompt_of(request.node_value(), services);
        meta = json::parse_object(services.prompt(config.prompt_id), "prompt " + config.prompt_id);
    } catch (const sdk::Error &e) {
        return ge::Proposal::none("cannot read the prompts: " + std::string(e.what()));
    } catch (const tinyllm::Error &e) {
        return ge::Proposal::none("cannot read the prompts: " + std::string(e.what()));
    }

    // The request to the rewriting model: the prompt file, rendered over the examples.
    const json::Document variables = variables_for(request, current, examples);
    sdk::ChatRequest chat;
    try {
        const std::string system_text = ge::string_of(meta, "system");
        if (!system_text.empty()) {
            chat.messages.push_back(
                {"system", PromptTemplate(system_text, "system").render(variables), {}, {}});
        }
        if (const json::Value *shots = json::find(meta, "examples"); shots && shots->IsArray()) {
            for (const json::Value &s : shots->GetArray()) {
                chat.messages.push_back({"user", ge::string_of(s, "input"), {}, {}});
                chat.messages.push_back({"assistant", ge::string_of(s, "output"), {}, {}});
            }
        }
        chat.messages.push_back(
            {"user",
             PromptTemplate(ge::string_of(meta, "template"), "template").render(variables),
             {},
             {}});
    } catch (const tinyllm::Error &e) {
        return ge::Proposal::none("the prompt " + config.prompt_id +
                                  " does not render: " + e.what());
    }
    if (const json::Value *format = json::find(meta, "format"))
        chat.format_json = json::to_string(*format);
    chat.model = config.model;
    if (chat.model.empty()) {
        const json::Value *m = json::find(meta, "model");
        const std::string role = m && m->IsObject() ? ge::string_of(*m, "role") : "";
        if (!role.empty()) {
            try {
                const std::vector<std::string> ladder =
                    services.role_models(role, ge::string_of(*m, "min_size"));
                if (!ladder.empty()) chat.model = ladder.front();
            } catch (const sdk::Error &) {
                // default_model answers
            }
        }
    }
    std::string reply;
    try {
        reply = services.chat(chat);
    } catch (const sdk::Error &e) {
        if (e.status() == TLLM_ERR_CANCELLED || e.status() == TLLM_ERR_TIMEOUT) throw;
        return ge::Proposal::none(
            "the model " + (chat.model.empty() ? std::string("(default_model)") : chat.model) +
            " could not rewrite the prompt: " + e.what());
    }
    auto read = read_reply(reply, config, current.system);
    if (const std::string *why = std::get_if<std::string>(&read)) {
        return ge::Proposal::none("the model's rewrite was not usable: " + *why);
    }
    const Rewrite &rewrite = std::get<Rewrite>(read);

    json::Document doc = ge::copy_document(request.graph());
    json::Allocator &a = doc.GetAllocator();
    json::Value &cfg = ge::config_of(*ge::node(doc, id), a);
    const std::string system =
        config.fold_examples ? ge::with_examples(rewrite.system, current.examples) : rewrite.system;
    ge::set_inline_prompt(cfg, a, current, system);

    std::string kept = "its user template";
    if (!current.prompt_id.empty()) kept += " (with the {{#feedback}} section)";
    if (!current.role.empty()) kept += ", the model role " + current.role;
    if (config.fold_examples && !current.examples.empty())
        kept += ", and the prompt file's " +
                ge::plural(static_cast<int64_t>(current.examples.size()), "example") +
                ", now in the system text";
    sdk::Candidate c;
    c.graph_json = json::to_string(doc);
    c.touched_nodes = {id};
    c.rationale =
        ge::failure_summary(request) + ". " +
        (chat.model.empty() ? std::string("The default model") : chat.model) +
        " rewrote its system prompt" +
        (current.prompt_id.empty() ? "" : " (from " + current.prompt_id + ")") + " after reading " +
        ge::plural(static_cast<int64_t>(examples.size()), "failing example") +
        (rewrite.rationale.empty() ? std::string(".") : ": " + trimmed(rewrite.rationale)) +
        (rewrite.rationale.empty() || rewrite.rationale.back() == '.' ? " " : ". ") +
        "The node asks with it inline and keeps " + kept + ".";
    ge::Proposal out;
    out.candidates.push_back(std::move(c));
    return out;
}

} // namespace tinyllm::mutation
