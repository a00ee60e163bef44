// Test mutation components (tinyllm.mutation/1) for the host's mutation tests: one .so,
// tinyllm-test-mutations.so (in its own directory, so other tests see no mutations), with a
// mutation per behaviour the host must handle — candidates made with the JSON service's edits,
// an output outside the schema, a failure, a crash.
#include "tinyllm/json.hpp"

#include <tinyllm/plugin.hpp>

#include <csignal>

namespace {

using tinyllm::sdk::Call;
using tinyllm::sdk::Candidate;
using tinyllm::sdk::Error;
using tinyllm::sdk::Host;
using tinyllm::sdk::MutationRequest;
namespace json = tinyllm::json;

json::Document parse_config(std::string_view text) {
    try {
        return json::parse_object(text, "config");
    } catch (const std::exception &e) {
        throw Error(TLLM_ERR_INVALID_ARGUMENT, e.what());
    }
}

// `count` candidates, the i-th setting the node's config.touched to i and removing the graph's
// description (Json::set and Json::remove), with a reason.
class Touch final : public tinyllm::sdk::Mutation {
public:
    static constexpr const char *kName = "touch";
    static constexpr const char *kDescription = "marks the node touched, count times";
    static constexpr const char *kConfigSchema =
        R"({"type":"object","additionalProperties":false,
            "properties":{"count":{"type":"integer","minimum":0,"default":1}}})";
    Touch(Host host, std::string_view config)
        : host_(host), count_(json::get_int(parse_config(config), "count").value_or(1)) {}
    std::string propose(Call &call, std::string_view request_json) override {
        call.check_cancelled();
        const MutationRequest request = MutationRequest::parse(host_, request_json);
        std::vector<Candidate> candidates;
        for (int64_t i = 0; i < count_; ++i) {
            tinyllm::sdk::Json graph = request.graph(host_);
            graph.set(request.node_pointer("/config/touched").c_str(), std::to_string(i));
            if (graph.has("/description")) graph.remove("/description");
            candidates.push_back(Candidate{graph.write().value_or("{}"),
                                           "touch " + std::to_string(i) + " of " + request.node,
                                           {request.node}});
        }
        return tinyllm::sdk::candidates_to_json(candidates,
                                                {"touched " + std::to_string(count_) + " times"});
    }

private:
    Host host_;
    int64_t count_;
};

// Answers whatever `output` says, verbatim: the host must refuse what is outside the schema.
class Verbatim final : public tinyllm::sdk::Mutation {
public:
    static constexpr const char *kName = "verbatim";
    static constexpr const char *kDescription = "answers its configured output text";
    static constexpr const char *kConfigSchema =
        R"({"type":"object","properties":{"output":{"type":"string","default":"{}"}}})";
    Verbatim(Host, std::string_view config)
        : output_(json::get_string(parse_config(config), "output").value_or("{}")) {}
    std::string propose(Call &, std::string_view) override { return output_; }

private:
    std::string output_;
};

class Failing final : public tinyllm::sdk::Mutation {
public:
    static constexpr const char *kName = "failing";
    static constexpr const char *kDescription = "fails every proposal as a model server down";
    Failing(Host, std::string_view) {}
    std::string propose(Call &, std::string_view) override {
        throw Error(TLLM_ERR_UNAVAILABLE, "failing: the model server is down on purpose");
    }
};

// Raises SIGSEGV in propose: only ever called in a plugin process of its own.
class Crash final : public tinyllm::sdk::Mutation {
public:
    static constexpr const char *kName = "crash";
    static constexpr const char *kDescription = "raises SIGSEGV in propose";
    Crash(Host, std::string_view) {}
    std::string propose(Call &, std::string_view) override {
        std::raise(SIGSEGV);
        return "{}";
    }
};

constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.tinyllm.test.mutations",
    .name = "Test mutations",
    .version = "0.1.0",
    .description = "Mutations that exercise the host's mutation checks, in and out of process.",
};

} // namespace

TINYLLM_PLUGIN(kInfo, Touch, Verbatim, Failing, Crash)
