// Requests with a `format`: the router's classifier gets JSON its own parser accepts, with the
// example's route as often as accuracy["routing"] says and another route of the enum otherwise;
// other schemas get a minimal valid instance; "json" gets an object.
#include "sim_support.hpp"
#include "structured.hpp"

#include "model_stage.hpp" // the router's own format and answer reading

#include <rapidjson/schema.h>

#include <cmath>

namespace tinyllm::sim::test {
namespace {

constexpr const char *kModel = "sim-1.5b";
const std::vector<std::string> kRoutes = {"math", "code", "general"};

// The format the router's model stage sends for prompts/routing/task_classifier.yaml.
std::string router_format() {
    return router::format_for(
        R"({"type":"object","properties":{"route":{"type":"string","enum":["math","code","general"]},)"
        R"("confidence":{"type":"number","minimum":0,"maximum":1}},"required":["route","confidence"],)"
        R"("additionalProperties":false})",
        kRoutes);
}

bool valid(const std::string &schema_text, const std::string &instance_text) {
    json::Document schema_doc;
    schema_doc.Parse(schema_text.c_str());
    const rapidjson::SchemaDocument schema(schema_doc);
    rapidjson::SchemaValidator validator(schema);
    json::Document instance;
    instance.Parse(instance_text.c_str());
    return !instance.HasParseError() && instance.Accept(validator);
}

TEST(SimFormat, RouterAnswersParseAndAreRightAsOftenAsConfigured) {
    const std::string format = router_format();
    size_t right = 0;
    size_t total = 0;
    for (int64_t seed = 0; seed < 3; ++seed) {
        const Simulator sim = simulator(config_json(0.8, seed));
        for (const Example &e : sim.dataset().examples()) {
            const std::string answer = content_of(
                chat(sim, chat_request(kModel,
                                       {{"system", "You are a router."},
                                        {"user", "what is 12% of 250?"},
                                        {"assistant", R"({"route":"math","confidence":0.95})"},
                                        {"user", e.input}},
                                       false, format)));
            ASSERT_TRUE(valid(format, answer)) << answer;
            const router::StageResult read = router::parse_answer(answer, kRoutes, 0.0);
            ASSERT_EQ(read.outcome, router::Outcome::sure) << read.detail;
            const std::string route = kRoutes[static_cast<size_t>(read.route)];
            right += route == e.route;
            ++total;
            if (route == e.route) {
                EXPECT_GE(read.confidence, 0.8) << answer;
            }
        }
    }
    const double share = static_cast<double>(right) / static_cast<double>(total);
    EXPECT_NEAR(share, 0.8, 4 * std::sqrt(0.8 * 0.2 / static_cast<double>(total)));
}

TEST(SimFormat, SomeWrongRoutesAreUnsureBelowTheRoutersMinConfidence) {
    const Simulator sim = simulator(config_json(0.0, 1));
    size_t unsure = 0;
    for (const Example &e : sim.dataset().examples()) {
        const std::string answer = content_of(
            chat(sim, chat_request(kModel, {{"user", e.input}}, false, router_format())));
        const router::StageResult read = router::parse_answer(answer, kRoutes, 0.6);
        if (read.outcome == router::Outcome::unsure) {
            ++unsure;
        } else {
            ASSERT_EQ(read.outcome, router::Outcome::sure) << read.detail;
            EXPECT_NE(kRoutes[static_cast<size_t>(read.route)], e.route);
        }
    }
    // Wrong routes have confidence 0.45..0.9: a third of them fall below 0.6.
    EXPECT_GT(unsure, sim.dataset().size() / 5);
    EXPECT_LT(unsure, sim.dataset().size() / 2);
}

// The router split_specialist puts in front of one sub-specialist per category lists the
// categories (labels.category), not the routes: the true answer is the example's category.
TEST(SimFormat, ARouterOverCategoriesAnswersTheExamplesCategory) {
    const std::vector<std::string> categories = {"arithmetic", "word_problems"};
    const std::string format = router::format_for(
        R"({"type":"object","properties":{"route":{"type":"string","enum":["x"]},)"
        R"("confidence":{"type":"number","minimum":0,"maximum":1}},"required":["route","confidence"]})",
        categories);
    const Simulator exact = simulator(config_json(1.0));
    size_t math = 0;
    for (const Example &e : exact.dataset().examples()) {
        if (e.category != "arithmetic" && e.category != "word_problems") continue;
        ++math;
        const std::string answer =
            content_of(chat(exact, chat_request(kModel, {{"user", e.input}}, false, format)));
        const router::StageResult read = router::parse_answer(answer, categories, 0.6);
        ASSERT_EQ(read.outcome, router::Outcome::sure) << answer;
        EXPECT_EQ(categories[static_cast<size_t>(read.route)], e.category) << e.input;
    }
    EXPECT_GT(math, 50u);
    // As often right as accuracy.routing says, like any router.
    size_t right = 0, total = 0;
    for (int64_t seed = 0; seed < 3; ++seed) {
        const Simulator sim = simulator(config_json(0.8, seed));
        for (const Example &e : sim.dataset().examples()) {
            if (e.category != "arithmetic" && e.category != "word_problems") continue;
            const std::string answer =
                content_of(chat(sim, chat_request(kModel, {{"user", e.input}}, false, format)));
            const router::StageResult read = router::parse_answer(answer, categories, 0.0);
            right += read.outcome == router::Outcome::sure &&
                     categories[static_cast<size_t>(read.route)] == e.category;
            ++total;
        }
    }
    const double share = static_cast<double>(right) / static_cast<double>(total);
    EXPECT_NEAR(share, 0.8, 4 * std::sqrt(0.8 * 0.2 / static_cast<double>(total)));
    // An enum with the example's route keeps answering the route (labels.route wins).
    const std::vector<std::string> mixed = {"math", "arithmetic"};
    const std::string answer =
        content_of(chat(exact, chat_request(kModel, {{"user", "What is 38 * 13?"}}, false,
                                            router::format_for(R"({"type":"object"})", mixed))));
    EXPECT_EQ(mixed[static_cast<size_t>(router::parse_answer(answer, mixed, 0.0).route)], "math");
}

// (A schema shaped like a verdict, with a score or pass/fail, is a grading prompt's:
// judge_test.cpp.)
TEST(SimFormat, OtherSchemasGetAMinimalValidInstance) {
    const std::string schema =
        R"({"type":"object","properties":{"weight":{"type":"number","minimum":0.5,"maximum":1},)"
        R"("flag":{"type":"boolean"},"notes":{"type":"array","minItems":2,)"
        R"("items":{"type":"string","minLength":3}},"kind":{"enum":["a","b"]},)"
        R"("count":{"type":"integer","minimum":2}},"required":["weight","flag","notes","kind","count"]})";
    const Simulator sim = simulator(config_json(1.0));
    const std::string answer = content_of(chat(
        sim, chat_request(kModel, {{"user", "What is the capital of France?"}}, false, schema)));
    EXPECT_TRUE(valid(schema, answer)) << answer;
    const json::Document doc = json::parse_object(answer, "answer");
    EXPECT_EQ(doc["weight"].GetDouble(), 0.5);
    EXPECT_EQ(doc["count"].GetInt(), 2);
}

TEST(SimFormat, AnAnswerPropertyCarriesTheTextAnswer) {
    const std::string schema =
        R"({"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]})";
    const Simulator sim = simulator(config_json(1.0));
    const json::Document doc = json::parse_object(
        content_of(chat(sim, chat_request(kModel, {{"user", "What is the capital of France?"}},
                                          false, schema))),
        "answer");
    EXPECT_STREQ(doc["answer"].GetString(), "Paris");
    const json::Document plain = json::parse_object(
        content_of(chat(sim, chat_request(kModel, {{"user", "What is the capital of Japan?"}},
                                          false, "\"json\""))),
        "answer");
    EXPECT_STREQ(plain["answer"].GetString(), "Tokyo");
}

TEST(SimFormat, AnUnknownRequestIsALabelledReplyEvenWithAFormat) {
    const Simulator sim = simulator(config_json(1.0));
    const std::string answer = content_of(
        chat(sim, chat_request(kModel, {{"user", "hello there"}}, false, router_format())));
    EXPECT_EQ(answer, "[simulated sim-1.5b] no dataset example matches this request");
    EXPECT_EQ(router::parse_answer(answer, kRoutes, 0.6).outcome, router::Outcome::failed);
}

} // namespace
} // namespace tinyllm::sim::test
