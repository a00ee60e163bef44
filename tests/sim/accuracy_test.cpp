// Measured over the datasets, the simulation is right as often as configured (within binomial
// tolerance), and its wrong answers are really wrong: a number that is not the expected one,
// code that fails the example's tests, a fact that is not the reference.
#include "answers.hpp"
#include "sim_support.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

namespace tinyllm::sim::test {
namespace {

constexpr const char *kModel = "sim-1.5b";

bool is_correct(const Example &e, const std::string &answer) {
    if (!e.expression.empty()) return answer == math_answer(e.expression, e.expected);
    if (!e.solution.empty()) return answer.find(e.solution) != std::string::npos;
    return answer == e.expected;
}

// The number after "The answer is " in a math answer.
std::string final_number(const std::string &answer) {
    const std::string marker = "The answer is ";
    const size_t at = answer.rfind(marker);
    if (at == std::string::npos) return {};
    std::string n = answer.substr(at + marker.size());
    if (!n.empty() && n.back() == '.') n.pop_back();
    return n;
}

struct Tally {
    size_t right = 0;
    size_t total = 0;
    double share() const { return static_cast<double>(right) / static_cast<double>(total); }
};

// Four binomial standard deviations: a correct simulation fails this about once in 16,000 runs,
// and the seeds are fixed, so a run that passes keeps passing.
double tolerance(double p, size_t n) {
    return 4.0 * std::sqrt(p * (1.0 - p) / static_cast<double>(n));
}

TEST(SimAccuracy, MeasuredAccuracyMatchesTheConfiguredProbability) {
    for (const double p : {0.7, 0.3}) {
        std::map<std::string, Tally> by_label;
        Tally all;
        for (int64_t seed = 0; seed < 5; ++seed) { // 5 x 447 examples: over 2000 draws
            const Simulator sim = simulator(config_json(p, seed));
            for (const Example &e : sim.dataset().examples()) {
                const bool right = is_correct(e, content_of(chat(sim, ask(kModel, e.input))));
                by_label[e.category].right += right;
                ++by_label[e.category].total;
                all.right += right;
                ++all.total;
            }
        }
        ASSERT_GE(all.total, 2000u);
        EXPECT_NEAR(all.share(), p, 0.05) << "p = " << p;
        EXPECT_NEAR(all.share(), p, tolerance(p, all.total)) << "p = " << p;
        for (const auto &[label, t] : by_label) {
            EXPECT_NEAR(t.share(), p, tolerance(p, t.total)) << label << " at p = " << p;
        }
    }
}

TEST(SimAccuracy, EachLabelHasItsOwnAccuracyAndUnnamedLabelsTheDefault) {
    const std::string config =
        R"({"time_scale":0,"datasets":["arithmetic.jsonl","general.jsonl"],"models":{"m":)"
        R"({"size":"1b","accuracy":{"arithmetic":0.95},"default_accuracy":0.2}}})";
    std::map<std::string, Tally> by_label;
    for (int64_t seed = 0; seed < 4; ++seed) {
        const Simulator sim = simulator(config.substr(0, 1) + "\"seed\":" + std::to_string(seed) +
                                        "," + config.substr(1));
        for (const Example &e : sim.dataset().examples()) {
            by_label[e.category].right += is_correct(e, content_of(chat(sim, ask("m", e.input))));
            ++by_label[e.category].total;
        }
    }
    EXPECT_NEAR(by_label["arithmetic"].share(), 0.95,
                tolerance(0.95, by_label["arithmetic"].total));
    EXPECT_NEAR(by_label["general"].share(), 0.2, tolerance(0.2, by_label["general"].total));
}

TEST(SimAccuracy, WrongMathAnswersStateAnotherNumberAsSlipsOrWrongSetups) {
    const Simulator sim = simulator(config_json(0.0, 5, R"(,"slip_rate":0.5)"));
    Tally slips;
    for (const std::string category : {"arithmetic", "word_problems"}) {
        for (const Example *e : examples_of(sim, category)) {
            const std::string answer = content_of(chat(sim, ask(kModel, e->input)));
            const std::string number = final_number(answer);
            ASSERT_FALSE(number.empty()) << answer;
            EXPECT_NE(number, e->expected) << answer;
            // A slip keeps the expression and gets its value wrong (the gate's calculator
            // catches it); a wrong setup is a true equation of one of the example's mistakes.
            const bool slip = answer.rfind(e->expression + " = ", 0) == 0;
            bool setup = false;
            for (const WrongAnswer &w : e->wrong)
                setup = setup || answer == math_answer(w.expression, w.answer);
            EXPECT_TRUE(slip != setup) << answer;
            slips.right += slip;
            ++slips.total;
        }
    }
    EXPECT_NEAR(slips.share(), 0.5, tolerance(0.5, slips.total));
}

TEST(SimAccuracy, WrongGeneralAnswersAreNotTheReference) {
    const Simulator sim = simulator(config_json(0.0, 5));
    for (const Example *e : examples_of(sim, "general")) {
        const std::string answer = content_of(chat(sim, ask(kModel, e->input)));
        EXPECT_NE(answer, e->expected);
        ASSERT_FALSE(e->wrong.empty());
        EXPECT_EQ(answer, e->wrong[0].answer);
    }
}

// Exit status of python3 running `code` then `tests` (-1 when python3 could not run).
int run_python(const std::string &code, const std::string &tests) {
    char path[] = "/tmp/tinyllm-sim-code-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0) return -1;
    ::close(fd);
    std::ofstream(path) << code << "\n" << tests << "\n";
    const int status = std::system(("python3 " + std::string(path) + " >/dev/null 2>&1").c_str());
    std::remove(path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string python_block(const std::string &answer) {
    const std::string open = "```python\n";
    const size_t begin = answer.find(open);
    const size_t end = answer.find("\n```", begin + open.size());
    if (begin == std::string::npos || end == std::string::npos) return {};
    return answer.substr(begin + open.size(), end - begin - open.size());
}

TEST(SimAccuracy, CodeAnswersAreFencedAndWrongCodeFailsTheTests) {
    if (std::system("python3 -c pass >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
    std::ifstream in(kDatasetsDir + "/code.jsonl");
    std::map<std::string, std::string> tests; // id -> asserts
    for (std::string line; std::getline(in, line);) {
        const json::Document d = json::parse_object(line, "code.jsonl");
        tests[d["id"].GetString()] = d["tests"].GetString();
    }
    for (const double p : {0.0, 1.0}) {
        const Simulator sim = simulator(config_json(p, 9));
        const std::vector<const Example *> code = examples_of(sim, "code");
        ASSERT_GE(code.size(), 100u);
        for (size_t i = 0; i < code.size(); i += 10) { // every tenth: python3 costs ~20 ms
            const std::string answer = content_of(chat(sim, ask(kModel, code[i]->input)));
            const std::string program = python_block(answer);
            ASSERT_FALSE(program.empty()) << answer;
            const int status = run_python(program, tests.at(code[i]->id));
            if (p == 0.0) {
                EXPECT_NE(status, 0) << code[i]->id << ": the wrong code passed\n" << program;
            } else {
                EXPECT_EQ(status, 0) << code[i]->id << ": the right code failed\n" << program;
            }
        }
    }
}

} // namespace
} // namespace tinyllm::sim::test
