// refine_prompt: a model rewrites the node's system prompt from its failing examples.
#include "mutation_test_support.hpp"
#include "refine_prompt.hpp"

namespace tinyllm::mutation::test {
namespace {

const char *kRewrite =
    R"({"system":"You solve math problems with the calculator tool.\n\n1. Read the problem and )"
    R"(write down each number and what it means.\n2. Decide the operation before you compute: )"
    R"(a price times a count is a multiplication.\n3. Call the calculator.\n4. Write the key )"
    R"(computation as EXPRESSION = RESULT.\n5. End with: The answer is N.",)"
    R"("rationale":"The wrong answers added where the problem asked to multiply."})";

ge::Proposal refine(const ge::Request &r, FakeServices &services, RefineConfig config = {}) {
    return propose_refinement(r, config, services);
}

FakeServices answering(std::string reply) {
    FakeServices s;
    s.answer = [reply](const sdk::ChatRequest &) { return reply; };
    return s;
}

TEST(RefinePrompt, TheMathSpecialistGetsTheRewrittenSystemPromptInline) {
    FakeServices services = answering(kRewrite);
    const ge::Proposal p = refine(request(default_graph(), "specialist.math"), services);
    ASSERT_EQ(p.candidates.size(), 1u) << (p.reasons.empty() ? "" : p.reasons[0]);
    const sdk::Candidate &c = p.candidates[0];
    EXPECT_EQ(c.touched_nodes, std::vector<std::string>{"specialist.math"});
    const json::Document g = parse(c.graph_json);
    const json::Value &config = node_of(g, "specialist.math")["config"];
    const json::Document math = parse(services.prompt("specialists/math"));
    EXPECT_FALSE(json::find(config, "prompt_id"));
    EXPECT_EQ(ge::string_of(config, "prompt"), ge::string_of(math, "template")); // {{#feedback}}
    EXPECT_EQ(text(config["model"]), R"({"role":"math"})");                      // the ladder
    EXPECT_EQ(text(config["tools"]), R"(["calculator"])");
    const std::string system = ge::string_of(config, "system");
    EXPECT_EQ(system.rfind("You solve math problems with the calculator tool.\n\n1. Read the "
                           "problem",
                           0),
              0u);
    EXPECT_NE(system.find("\n\nExamples of good answers:\n\nRequest: what is 15% of 80?"),
              std::string::npos)
        << system;
    EXPECT_EQ(graph_error(c.graph_json), "");
    EXPECT_NE(c.rationale.find("qwen2.5:3b rewrote its system prompt (from specialists/math) "
                               "after reading 3 failing examples: The wrong answers added where "
                               "the problem asked to multiply."),
              std::string::npos)
        << c.rationale;

    // What the model was asked: the refine prompt over the current prompt and the examples.
    ASSERT_EQ(services.requests.size(), 1u);
    const sdk::ChatRequest &asked = services.requests[0];
    EXPECT_EQ(asked.model, "qwen2.5:3b"); // general, at least 3b
    EXPECT_EQ(asked.format_json,
              R"({"type":"object","properties":{"system":{"type":"string","minLength":1},)"
              R"("rationale":{"type":"string"}},"required":["system","rationale"],)"
              R"("additionalProperties":false})");
    ASSERT_EQ(asked.messages.size(), 4u); // system, one example, the request
    EXPECT_EQ(asked.messages[0].role, "system");
    const std::string &user = asked.messages.back().content;
    EXPECT_NE(user.find("<system_prompt>\n" + ge::string_of(math, "system")), std::string::npos)
        << user;
    EXPECT_NE(user.find("The assistant can call these tools: calculator."), std::string::npos);
    EXPECT_NE(user.find("<example>\nRequest: Noah buys 9 notebooks at $3 each. How much does he "
                        "spend in dollars?\nIts answer: 9 + 3 = 12\nThe answer is 12.\nRight "
                        "answer: 27\nWhy it is wrong: the final number 12 is not 27\n</example>"),
              std::string::npos)
        << user;
    // One example of each kind of failure first: the wrong number, then the gate's.
    EXPECT_LT(user.find("Noah buys"), user.find("A train travels"));
    EXPECT_LT(user.find("A train travels"), user.find("What is 38 * 13?"));
}

TEST(RefinePrompt, AReplyThatIsNotTheJsonAskedForGivesNoCandidate) {
    const auto reasons = [](const std::string &reply, RefineConfig config = {}) {
        FakeServices services = answering(reply);
        return refine(request(default_graph(), "specialist.math"), services, config).reasons;
    };
    // What the simulated backend answers a request it has no example for.
    EXPECT_EQ(reasons("[simulated qwen-sim-3b] no dataset example matches this request"),
              std::vector<std::string>{
                  "the model's rewrite was not usable: it is not the JSON object the prompt asks "
                  "for: \"[simulated qwen-sim-3b] no dataset example matches this request\""});
    // A minimal instance of the format (the simulation's answer to a schema it cannot fill).
    EXPECT_EQ(reasons(R"({"system":"x","rationale":""})"),
              std::vector<std::string>{"the model's rewrite was not usable: the system prompt "
                                       "has 1 word, fewer than min_words 8"});
    EXPECT_EQ(reasons(R"({"rationale":"r"})"),
              std::vector<std::string>{
                  "the model's rewrite was not usable: it has no \"system\" string"});
    EXPECT_EQ(
        reasons(
            R"({"system":"Answer {{input}} in one short line with the final number only.","rationale":""})"),
        std::vector<std::string>{"the model's rewrite was not usable: the system prompt has "
                                 "{{...}} tags, which the model node would render as a template"});
    RefineConfig short_max;
    short_max.max_chars = 100;
    EXPECT_EQ(reasons(kRewrite, short_max).size(), 1u);
    // A fenced answer is read.
    FakeServices fenced = answering(std::string("```json\n") + kRewrite + "\n```");
    EXPECT_EQ(refine(request(default_graph(), "specialist.math"), fenced).candidates.size(), 1u);
}

TEST(RefinePrompt, TheSameSystemPromptIsNoCandidate) {
    FakeServices services;
    const std::string current = ge::string_of(parse(services.prompt("specialists/math")), "system");
    std::string reply = R"({"system":)";
    json::append_quoted(reply, current);
    reply += R"(,"rationale":"fine as it is"})";
    services.answer = [reply](const sdk::ChatRequest &) { return reply; };
    EXPECT_EQ(refine(request(default_graph(), "specialist.math"), services).reasons,
              std::vector<std::string>{
                  "the model's rewrite was not usable: it is the current system prompt"});
}

TEST(RefinePrompt, AModelThatFailsGivesAReasonButCancellationStops) {
    FakeServices down; // its chat throws UNAVAILABLE
    EXPECT_EQ(refine(request(default_graph(), "specialist.math"), down).reasons,
              std::vector<std::string>{"the model qwen2.5:3b could not rewrite the prompt: no "
                                       "model in this test"});
    FakeServices cancelled;
    cancelled.answer = [](const sdk::ChatRequest &) -> std::string {
        throw sdk::Error(TLLM_ERR_CANCELLED, "cancelled");
    };
    EXPECT_THROW(refine(request(default_graph(), "specialist.math"), cancelled), sdk::Error);
}

TEST(RefinePrompt, AnInlinePromptIsRewrittenInPlace) {
    const std::string direct = graph_json(source_dir() / "config/graphs/direct.yaml");
    FakeServices services = answering(kRewrite);
    RefineConfig config;
    config.model = "qwen2.5:1.5b";
    const ge::Proposal p = refine(request(direct, "answer"), services, config);
    ASSERT_EQ(p.candidates.size(), 1u);
    const json::Document graph = parse(p.candidates[0].graph_json);
    const json::Value &c = node_of(graph, "answer")["config"];
    EXPECT_EQ(ge::string_of(c, "prompt"), "{{input}}");
    EXPECT_FALSE(json::find(c, "model")); // default_model, as before
    EXPECT_EQ(ge::string_of(c, "system").rfind("You solve math problems", 0), 0u);
    EXPECT_EQ(services.requests[0].model, "qwen2.5:1.5b");
    EXPECT_NE(services.requests[0].messages.back().content.find(
                  "<system_prompt>\nYou are a helpful, concise assistant.\n</system_prompt>"),
              std::string::npos);
    EXPECT_EQ(graph_error(p.candidates[0].graph_json), "");
}

TEST(RefinePrompt, NothingWithoutFailingExamplesOrForOtherNodes) {
    FakeServices services = answering(kRewrite);
    EXPECT_EQ(refine(request(default_graph(), "specialist.math",
                             R"([{"category":"judge_verdict","key":"x","count":3}])"),
                     services)
                  .reasons,
              std::vector<std::string>{"specialist.math has no failing examples of its answers "
                                       "to learn a better prompt from"});
    EXPECT_EQ(refine(request(default_graph(), "router"), services).reasons,
              std::vector<std::string>{
                  "router is a router node: refine_prompt rewrites the prompts of model nodes"});
    EXPECT_TRUE(services.requests.empty());
    RefineConfig missing;
    missing.prompt_id = "meta/nope";
    EXPECT_EQ(refine(request(default_graph(), "specialist.math"), services, missing).reasons,
              std::vector<std::string>{"cannot read the prompts: no prompt \"meta/nope\""});
}

TEST(RefinePrompt, TheConfigIsChecked) {
    EXPECT_EQ(parse_refine_config("{}").prompt_id, "meta/expansion_refine");
    EXPECT_EQ(parse_refine_config(R"({"model":"qwen2.5:3b"})").model, "qwen2.5:3b");
    EXPECT_THROW(parse_refine_config(R"({"max_examples":0})"), sdk::Error);
    EXPECT_THROW(parse_refine_config(R"({"prompt_id":""})"), sdk::Error);
}

} // namespace
} // namespace tinyllm::mutation::test
