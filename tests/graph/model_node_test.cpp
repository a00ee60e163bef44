// The model node plugin (plugins/node/model) through runtime::Node, as the executor calls it,
// with a host that records the chat requests: prompts, the request it writes, and the output
// message. Simple prompts ({{input}}, plain text) take a path without a document; every case
// here is also run through Mustache and must give the same output.
#include "graph_test_support.hpp"

#include "runtime/call_context.hpp"
#include "runtime/node.hpp"
#include "tinyllm/json.hpp"

#include <gmock/gmock.h>

namespace tinyllm::graph::test {
namespace {

using ::testing::HasSubstr;

const plugin::Registry &model_registry() {
    static const plugin::Registry *registry = [] {
        auto *r = new plugin::Registry; // never freed: instances may still be alive at exit
        r->load_file(TINYLLM_TEST_MODEL_PLUGIN);
        return r;
    }();
    return *registry;
}

struct ModelNode {
    EchoServices services;
    std::unique_ptr<runtime::Node> node;
    explicit ModelNode(const std::string &config) {
        const plugin::ComponentRef ref = model_registry().find(TLLM_KIND_NODE, "model");
        if (ref.component == nullptr) throw Error(ErrorCode::not_found, "no model node");
        node = std::make_unique<runtime::Node>("n", ref, config, &services);
        runtime::CallContext call(runtime::CancelToken{}, std::nullopt, nullptr);
        node->activate(call);
    }
    std::string process(const std::string &message) {
        runtime::CallContext call(runtime::CancelToken{}, std::nullopt, nullptr);
        return node->process(call, message);
    }
};

bool same_json(const std::string &a, const std::string &b) {
    return json::parse(a, "a") == json::parse(b, "b");
}

TEST(ModelNode, SimplePromptsWriteTheRequestAndSetTheContent) {
    ModelNode n(R"({"system":"Be brief.","prompt":"{{input}}","options":{}})");
    const std::string out =
        n.process(R"({"input":"Q \"1\"","content":"old","route":"","attempt":1,"data":{"k":[1]}})");
    EXPECT_EQ(n.services.last_request,
              R"({"model":"","messages":[{"role":"system","content":"Be brief."},)"
              R"({"role":"user","content":"Q \"1\""}],"stream":true})");
    EXPECT_EQ(out, R"({"set":{"content":"echo: Q \"1\""}})"); // the executor keeps the rest
}

TEST(ModelNode, APromptHoldingANulByteIsSentWhole) {
    ModelNode n(R"({"prompt":"{{input}}"})");
    n.process(R"({"input":"a\u0000b"})");
    EXPECT_EQ(n.services.last_request,
              R"({"model":"","messages":[{"role":"user","content":"a\u0000b"}],"stream":true})");
}

TEST(ModelNode, ConfiguredMembersGoIntoEveryRequest) {
    ModelNode n(R"({"model":"tiny","prompt":"hi","stream":false,"options":{"seed":1},)"
                R"("format":"json","think":true})");
    n.process(R"({"content":"x"})");
    EXPECT_TRUE(same_json(n.services.last_request,
                          R"({"model":"tiny","messages":[{"role":"user","content":"hi"}],)"
                          R"("stream":false,"options":{"seed":1},"format":"json","think":true})"));
}

// The same message through a simple prompt and through Mustache (a comment makes the template
// not simple) must give the same output.
TEST(ModelNode, SimpleAndMustachePathsAgree) {
    ModelNode simple(R"({"prompt":"{{input}}"})");
    ModelNode mustache(R"({"prompt":"{{input}}{{! a comment }}"})");
    for (const std::string message : {
             R"({"input":"a","content":"b"})",
             R"({"input":"a"})",
             R"({"content":"b"})",
             R"({"input":"é \u00e9 \n","content":"b","content":"c"})",
             R"({"input":"a","data":{"input":"nested","content":"x"},"list":["content"]})",
             R"({"\u0069nput":"escaped name","c\u006fntent":"old"})",
             R"( { "input" : "spaced" , "content" : "old" } )",
             R"({"input":7,"content":"b"})",
             R"({"input":{"x":1},"content":"b"})",
             R"({"input":null})",
         }) {
        SCOPED_TRACE(message);
        const std::string a = simple.process(message);
        const std::string b = mustache.process(message);
        EXPECT_TRUE(same_json(a, b)) << a << "\n" << b;
        EXPECT_EQ(simple.services.last_request, mustache.services.last_request);
    }
}

TEST(ModelNode, MustacheTemplatesSeeTheWholeMessage) {
    ModelNode n(R"({"prompt":"{{data.topic}}{{#feedback}} (fix: {{feedback}}){{/feedback}}"})");
    n.process(R"({"data":{"topic":"cats"},"feedback":"shorter"})");
    EXPECT_THAT(n.services.last_request, HasSubstr(R"x("content":"cats (fix: shorter)")x"));
    n.process(R"({"data":{"topic":"dogs"}})");
    EXPECT_THAT(n.services.last_request, HasSubstr(R"("content":"dogs")"));
}

TEST(ModelNode, AMessageThatIsNotAnObjectIsRefused) {
    for (const std::string config : {R"({"prompt":"{{input}}"})", R"({"prompt":"{{#a}}{{/a}}"})"}) {
        ModelNode n(config);
        for (const std::string message : {"[]", "\"x\"", "{", "7"}) {
            const auto error = error_of([&] { n.process(message); });
            ASSERT_TRUE(error) << message;
            EXPECT_EQ(error->code(), ErrorCode::invalid_argument) << message;
        }
    }
}

} // namespace
} // namespace tinyllm::graph::test
