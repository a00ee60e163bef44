// Test judge components (tinyllm.judge/1) for the host's judge tests: one .so,
// tinyllm-test-judges.so (in its own directory, so the good plugins' tests see no judges), with
// a judge per behaviour the host must handle — a plain verdict, a verdict outside the schema, a
// failure, a judge that grades with another judge (itself, to test the nesting bound).
#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

namespace {

using tinyllm::sdk::Call;
using tinyllm::sdk::Error;
using tinyllm::sdk::GradeRequest;
using tinyllm::sdk::Host;
using tinyllm::sdk::Verdict;
namespace json = tinyllm::json;

json::Document parse_config(std::string_view text) {
    try {
        return json::parse_object(text, "config");
    } catch (const std::exception &e) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
    }
}

size_t count_word(const std::string &text, const std::string &word) {
    size_t n = 0;
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1))
        ++n;
    return n;
}

// Passes an answer that contains the configured word; prefers the answer that says it more.
class Word final : public tinyllm::sdk::Judge {
public:
    static constexpr const char *kName = "word";
    static constexpr const char *kDescription = "passes answers that contain a word";
    static constexpr const char *kConfigSchema =
        R"({"type":"object","additionalProperties":false,
            "properties":{"word":{"type":"string","minLength":1,"default":"yes"}}})";
    Word(Host host, std::string_view config)
        : host_(host), word_(json::get_string(parse_config(config), "word").value_or("yes")) {}
    std::string grade(Call &, std::string_view request) override {
        const GradeRequest r = GradeRequest::parse(host_, request);
        Verdict v;
        v.pass = r.output.find(word_) != std::string::npos;
        v.score = v.pass ? 1.0 : 0.0;
        v.reasons.push_back(v.pass ? "says " + word_ : "does not say " + word_);
        v.labels.emplace_back("word", word_);
        return v.to_json();
    }
    std::string compare(Call &, std::string_view request) override {
        const tinyllm::sdk::Json doc = host_.parse_json(request);
        const size_t a = count_word(std::string(doc.string("/a").value_or("")), word_);
        const size_t b = count_word(std::string(doc.string("/b").value_or("")), word_);
        const char *preference = a > b ? "a" : b > a ? "b" : "tie";
        return std::string(R"({"preference":")") + preference + R"(","reasons":["counted )" +
               word_ + R"("]})";
    }

private:
    Host host_;
    std::string word_;
};

// Answers whatever `verdict` says, verbatim: the host must refuse what is outside the schema.
class Verbatim final : public tinyllm::sdk::Judge {
public:
    static constexpr const char *kName = "verbatim";
    static constexpr const char *kDescription = "answers its configured verdict text";
    static constexpr const char *kConfigSchema =
        R"({"type":"object","properties":{"verdict":{"type":"string","default":"{}"}}})";
    Verbatim(Host, std::string_view config)
        : verdict_(json::get_string(parse_config(config), "verdict").value_or("{}")) {}
    std::string grade(Call &, std::string_view) override { return verdict_; }

private:
    std::string verdict_;
};

class Failing final : public tinyllm::sdk::Judge {
public:
    static constexpr const char *kName = "failing";
    static constexpr const char *kDescription = "fails every grade as a model server that is down";
    Failing(Host, std::string_view) {}
    std::string grade(Call &, std::string_view) override {
        throw Error(TLLM_ERR_UNAVAILABLE, "failing: the model server is down on purpose");
    }
};

// Grades with the judge `judge` through the host (the judges service), as an ensemble does.
class Delegate final : public tinyllm::sdk::Judge {
public:
    static constexpr const char *kName = "delegate";
    static constexpr const char *kDescription = "asks another judge, by name";
    static constexpr const char *kConfigSchema =
        R"({"type":"object","properties":{"judge":{"type":"string","default":"delegate"}}})";
    Delegate(Host host, std::string_view config)
        : host_(host),
          judge_(json::get_string(parse_config(config), "judge").value_or("delegate")) {}
    std::string grade(Call &call, std::string_view request) override {
        return host_.grade(call, judge_, std::string(request));
    }

private:
    Host host_;
    std::string judge_;
};

constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.tinyllm.test.judges",
    .name = "Test judges",
    .version = "0.1.0",
    .description = "Judges that exercise the host's judge registry, checks and service.",
};

} // namespace

TINYLLM_PLUGIN(kInfo, Word, Verbatim, Failing, Delegate)
