// The simulation of a model JUDGE: answers to grading prompts (the llm judge's
// prompts/grading/*.yaml), recognised by their `format` — a verdict schema ("score" and/or a
// "verdict" of pass/fail, or a "pass" boolean) or a pairwise one ("preference" of a/b/tie). The
// simulated judge knows the truth from the dataset (is the graded answer right?) and tells it
// with P = accuracy.judge (default_accuracy when not set), else says the opposite; a wrong
// pairwise judgement favours the first position, as small models' do. A simulation, not a
// grader: it measures what the judges' machinery (samples, majority, swapped orders, ensembles,
// gates) does with a judge of known accuracy.
#pragma once

#include "dataset.hpp"
#include "draw.hpp"
#include "sim_config.hpp"

#include "tinyllm/json.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::sim {

enum class JudgeFormat { none, grade, pairwise };

// Which grading answer `schema` asks for: pairwise when properties.preference has an enum;
// grade when properties has a score, a verdict enum with pass and fail, or a pass boolean (and
// no route: a router's schema is answered as a router's); otherwise none.
JudgeFormat judge_format(const json::Value &schema);

// The text between <tag> and the last </tag> after it, trimmed, as the grading prompts mark
// the question and the answers; nullopt when the text has no such pair.
std::optional<std::string_view> tagged(std::string_view text, std::string_view tag);

// Whether `answer` is a right answer to `example`, as the dataset says:
//   math (an example with an expression): the answer's final number equals the expected one;
//   code (an example with a solution): the answer contains the solution or the wrong solution
//     (compared without whitespace; when it holds both, the longer decides) — anything else is
//     unknown: whether other code passes the tests is not something the simulation can tell;
//   otherwise: the expected answer or one of its `accept` alternatives appears as whole words
//     (any case).
// An example without a reference is unknown.
enum class Truth { right, wrong, unknown };
Truth truth_of(const Example &example, std::string_view answer);

// The simulated judge's answer (JSON following `schema`) to the grading prompt `prompt` (the
// last user message) about `example`; `decision` says for the debug log and the tests what was
// simulated ("judge: right, told correctly").
std::string judge_answer(const json::Value &schema, JudgeFormat format, const Example &example,
                         std::string_view prompt, const std::string &model_name,
                         const ModelSpec &model, const Draw &draw, std::string &decision);

} // namespace tinyllm::sim
