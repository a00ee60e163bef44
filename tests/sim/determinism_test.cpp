// The simulation is a pure function of (seed, model, conversation): the same conversation gets
// the same answer, while another seed, model or a retry's feedback is a fresh draw.
#include "sim_support.hpp"

#include <thread>

namespace tinyllm::sim::test {
namespace {

constexpr const char *kModel = "sim-1.5b";

// Every example's answer under `sim`, in dataset order.
std::vector<std::string> answers(const Simulator &sim, const std::string &wrap = "{}") {
    std::vector<std::string> out;
    for (const Example &e : sim.dataset().examples()) {
        std::string text = wrap;
        text.replace(text.find("{}"), 2, e.input);
        out.push_back(content_of(chat(sim, ask(kModel, text))));
    }
    return out;
}

size_t differences(const std::vector<std::string> &a, const std::vector<std::string> &b) {
    size_t n = 0;
    for (size_t i = 0; i < a.size(); ++i)
        n += a[i] != b[i];
    return n;
}

TEST(SimDeterminism, TheSameConversationGetsTheSameAnswerFromAnyInstance) {
    const Simulator one = simulator(config_json(0.5, 7));
    const Simulator two = simulator(config_json(0.5, 7));
    const std::vector<std::string> first = answers(one);
    EXPECT_EQ(answers(one), first);
    EXPECT_EQ(answers(two), first);
}

TEST(SimDeterminism, AnotherSeedIsAnotherSample) {
    const std::vector<std::string> a = answers(simulator(config_json(0.5, 1)));
    const std::vector<std::string> b = answers(simulator(config_json(0.5, 2)));
    // At p = 0.5 two independent draws disagree on right/wrong for about half the examples.
    EXPECT_GT(differences(a, b), a.size() / 4);
}

TEST(SimDeterminism, ARetryWithFeedbackIsAFreshDraw) {
    const Simulator sim = simulator(config_json(0.5, 3));
    const std::vector<std::string> first = answers(sim);
    const std::vector<std::string> retry =
        answers(sim, "{}\n\nYour previous answer was rejected.\nReasons:\n- wrong\n");
    EXPECT_GT(differences(first, retry), first.size() / 4);
}

TEST(SimDeterminism, AnotherModelIsAnotherDraw) {
    const std::string config = R"({"time_scale":0,"datasets":["general.jsonl"],"models":{)"
                               R"("a":{"size":"1b","default_accuracy":0.5},)"
                               R"("b":{"size":"1b","default_accuracy":0.5}}})";
    const Simulator sim = simulator(config);
    size_t differ = 0;
    for (const Example &e : sim.dataset().examples()) {
        differ +=
            content_of(chat(sim, ask("a", e.input))) != content_of(chat(sim, ask("b", e.input)));
    }
    EXPECT_GT(differ, sim.dataset().size() / 4);
}

TEST(SimDeterminism, ConcurrentCallsGetTheAnswersOfSequentialOnes) {
    const Simulator sim = simulator(config_json(0.5, 11));
    const std::vector<std::string> expected = answers(sim);
    std::vector<std::vector<std::string>> got(4);
    std::vector<std::thread> threads;
    for (auto &g : got)
        threads.emplace_back([&sim, &g] { g = answers(sim); });
    for (auto &t : threads)
        t.join();
    for (const auto &g : got)
        EXPECT_EQ(g, expected);
}

} // namespace
} // namespace tinyllm::sim::test
