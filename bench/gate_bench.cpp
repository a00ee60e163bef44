// The quality gate node's checks alone (plugins/node/gate), no host and no tool:
//
// BM_GateChecks: one typical answer (~1.1 KB of Markdown prose with a 6-line python block)
// through the rules a graph puts after a code specialist without tools: non_empty, length
// (code points), three RE2 patterns (one must match, two must not) and code_block python.
// Includes reading the answer's fences once (Answer), as every run does. `fail` is an answer
// that breaks three of the rules. Target: < 20 us (a model call takes 100 ms or more).
//
// BM_GateAssess: the whole decision on a message: parse it, read the counters, run the same
// checks, decide, and write the node's patch and the decision event (what `process` does
// besides the ABI crossing).
#include "gate.hpp"

#include "tinyllm/json.hpp"

#include <benchmark/benchmark.h>

namespace tinyllm::gate {
namespace {

constexpr const char *kConfig =
    R"({"rules":[{"type":"non_empty"},{"type":"length","min":20,"max":4000},)"
    R"({"type":"regex","pattern":"(?i)\\b(def|print|return)\\b","name":"has code words"},)"
    R"({"type":"regex","pattern":"(?i)as an ai( language)? model","must":"not_match"},)"
    R"({"type":"regex","pattern":"(?i)\\b(TODO|FIXME|lorem ipsum)\\b","must":"not_match"},)"
    R"({"type":"code_block","language":"python"}],"max_feedback":1})";

std::string typical_answer() {
    return "To find the prime numbers below a limit, the Sieve of Eratosthenes is the classic "
           "approach: start with every number marked as a candidate, then repeatedly take the "
           "smallest remaining candidate and cross out all of its multiples. What is left at the "
           "end are the primes. It runs in O(n log log n) time and needs O(n) memory, which is "
           "fine for limits up to a few million.\n\n"
           "Here is a compact implementation:\n\n"
           "```python\n"
           "def primes_below(n):\n"
           "    sieve = [True] * n\n"
           "    for i in range(2, int(n ** 0.5) + 1):\n"
           "        if sieve[i]:\n"
           "            sieve[i * i::i] = [False] * len(range(i * i, n, i))\n"
           "    return [i for i in range(2, n) if sieve[i]]\n"
           "```\n\n"
           "Calling `primes_below(30)` returns `[2, 3, 5, 7, 11, 13, 17, 19, 23, 29]`. For very "
           "large limits, a segmented sieve keeps the memory bounded by processing the range in "
           "blocks that fit in the CPU cache; for a single large number, a probabilistic test "
           "such as Miller-Rabin is the better tool. Note that slicing assignment is what makes "
           "this version fast in CPython: the inner loop runs in C rather than in the "
           "interpreter, so the whole sieve up to one million takes well under a second.";
}

std::string failing_answer() {
    return "As an AI language model, I would write it like this (TODO: finish):\n\n"
           "def primes_below(n): return [p for p in range(2, n) if all(p % d for d in "
           "range(2, p))]\n\nThis is quadratic but short.";
}

class NoTools final : public Tools {
public:
    std::string call(const std::string &, const std::string &) override { return "{}"; }
};

void BM_GateChecks(benchmark::State &state, bool failing) {
    const Gate gate(kConfig);
    const std::string content = failing ? failing_answer() : typical_answer();
    NoTools tools;
    for (auto _ : state) {
        const Answer answer(content);
        std::vector<Check> checks = gate.evaluate(answer, tools);
        benchmark::DoNotOptimize(checks);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(content.size()));
}
BENCHMARK_CAPTURE(BM_GateChecks, pass, false);
BENCHMARK_CAPTURE(BM_GateChecks, fail, true);

void BM_GateAssess(benchmark::State &state) {
    const Gate gate(kConfig);
    std::string message = R"({"input":"primes below n in python?","content":)";
    json::append_quoted(message, typical_answer());
    message += R"(,"route":"code","attempt":1,"data":{"model":{"name":"qwen2.5-coder:1.5b",)"
               R"("role":"code","rung":0,"rungs":2}}})";
    NoTools tools;
    for (auto _ : state) {
        const Verdict v = gate.assess(message, tools);
        std::string out = node_output(v.decision, v.checks);
        std::string event = decision_event(v.decision, v.checks);
        benchmark::DoNotOptimize(out);
        benchmark::DoNotOptimize(event);
    }
}
BENCHMARK(BM_GateAssess);

} // namespace
} // namespace tinyllm::gate
