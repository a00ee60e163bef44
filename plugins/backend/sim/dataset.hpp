// The labelled examples the simulation answers from (tests/data/eval/*.jsonl and any file of
// the same shape), and the lookup of the example a conversation is about.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::sim {

// A wrong answer a model plausibly gives: for math, the expression a mistaken model computes
// and its result; otherwise just the answer.
struct WrongAnswer {
    std::string kind;
    std::string expression; // "" when the answer is not a computation
    std::string answer;
};

struct Example {
    std::string id;
    std::string input;
    std::string expected;       // "" when the line has none (a routing-only dataset)
    std::string category;       // labels.category: the accuracy label ("arithmetic", "code"...)
    std::string route;          // labels.route, or a top-level "route"
    std::string expression;     // a calculator expression whose value is `expected`, or ""
    std::string function;       // code: the function the task asks for, or ""
    std::string solution;       // code: a correct program, or ""
    std::string wrong_solution; // code: a program that fails the tests, or ""
    std::vector<WrongAnswer> wrong;
    std::vector<std::string>
        accept;         // other ways of writing `expected` (a simulated judge reads them)
    std::string source; // "arithmetic.jsonl:12", for the simulation's log lines
};

class Dataset {
public:
    // Reads every JSONL file; a line that is not an object with a string `input` and `id`, or an
    // input seen before, fails the whole load naming FILE:LINE (a simulation that silently drops
    // ground truth would measure the wrong thing). Throws sdk::Error(TLLM_ERR_INVALID_ARGUMENT).
    static Dataset load(const std::vector<std::string> &paths);

    // The example whose input occurs in `text`, the longest such input when several do (a
    // prompt wraps the request in its template); nullptr when none does.
    const Example *match(std::string_view text) const;

    size_t size() const noexcept { return examples_.size(); }
    const std::vector<Example> &examples() const noexcept { return examples_; }

private:
    std::vector<Example> examples_; // longest input first, so the first match is the longest
};

} // namespace tinyllm::sim
