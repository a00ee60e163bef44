// The rules judge's checks alone (plugins/judge/rules), no host: one grade of a typical answer
// against its reference. Target: < 20 us per grade (issue 15).
//
// BM_RulesJudge/numeric: a 400-byte math answer with an equation, its final number read and
// compared with the expected value (the calculator's exact value given by a scripted tool, as
// the host would return it). /contains: a 600-byte general answer against a reference and two
// alternatives. /exact: a short answer. What the judge adds to a grade through the host (parsing
// the request, the ABI crossing, the verdict's schema check) is measured by tinyllm grade's
// process time, not here.
#include "rules_judge.hpp"

#include <benchmark/benchmark.h>

namespace tinyllm::judge {
namespace {

class CalculatorStub final : public answer::Tools {
public:
    std::string call(const std::string &, const std::string &) override {
        return R"({"content":"1180","value":"1180","exact":true})";
    }
};

GradeInput input(std::string output, std::string expected, std::string_view context = "{}") {
    GradeInput in;
    in.input = std::string(1, 'q'); // not = "q": GCC 12's -Wrestrict misfires on that (PR105329)
    in.output = std::move(output);
    in.expected = std::move(expected);
    in.context = json::parse_object(context, "context");
    return in;
}

void grade(benchmark::State &state, const RulesJudge &judge, const GradeInput &in) {
    CalculatorStub tools;
    for (auto _ : state) {
        RulesVerdict v = judge.grade(in, tools);
        benchmark::DoNotOptimize(v);
        if (!v.pass) state.SkipWithError("the benchmark's answer should pass");
    }
}

void BM_RulesJudgeNumeric(benchmark::State &state) {
    const RulesJudge judge(parse_rules_config("{}"));
    const GradeInput in = input(
        "The shop sells 59 boxes a day for 20 days, so the total is the number of boxes per day "
        "times the number of days.\n\nThe key step: 59 * 20 = 1180\n\nSo over the 20 days it "
        "sells **1,180** boxes in total. Check: 1180 / 20 = 59, which matches the daily number "
        "given in the question, so the answer is consistent.\n\nThe answer is 1180.",
        "1180");
    grade(state, judge, in);
}
BENCHMARK(BM_RulesJudgeNumeric)->Name("BM_RulesJudge/numeric");

void BM_RulesJudgeContains(benchmark::State &state) {
    const RulesJudge judge(parse_rules_config("{}"));
    const std::string_view filler =
        "Many people think the largest city is the capital, but that is not always so. ";
    std::string answer;
    for (int i = 0; i < 6; ++i)
        answer.append(filler);
    answer.append("The capital of Australia is Canberra, chosen as a compromise between Sydney "
                  "and Melbourne.");
    const GradeInput in =
        input(answer, "Canberra", R"({"accept":["Canberra, ACT","the city of Canberra"]})");
    grade(state, judge, in);
}
BENCHMARK(BM_RulesJudgeContains)->Name("BM_RulesJudge/contains");

void BM_RulesJudgeExact(benchmark::State &state) {
    const RulesJudge judge(parse_rules_config(R"({"check":"exact"})"));
    grade(state, judge, input("  Paris. ", "paris"));
}
BENCHMARK(BM_RulesJudgeExact)->Name("BM_RulesJudge/exact");

} // namespace
} // namespace tinyllm::judge
