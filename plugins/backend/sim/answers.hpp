// What a simulated model answers about a dataset example: right with the configured accuracy,
// otherwise wrong the way small models are wrong (an arithmetic slip, a wrong setup, code that
// fails its tests, a commonly confused fact), written the way the specialist prompts ask
// (prompts/specialists/*.yaml) so the gates and judges read it as they would a model's.
#pragma once

#include "conversation.hpp"
#include "dataset.hpp"
#include "draw.hpp"
#include "sim_config.hpp"

#include <string>
#include <string_view>

namespace tinyllm::sim {

// How the draw came out for one answer.
enum class Outcome {
    correct,
    slip,        // math: the right expression, its result miscomputed (the equation is false)
    wrong_setup, // math: a wrong expression, computed right (the equation holds, the answer not)
    wrong,       // anything else: the wrong solution, a wrong fact
};
std::string_view to_string(Outcome outcome) noexcept;

// correct with P = the model's accuracy for the example's label; otherwise, for an example with
// an expression, a slip with P = slip_rate (or when it lists no wrong setup), else a wrong setup.
Outcome outcome_for(const Example &example, const ModelSpec &model, const Draw &draw,
                    double slip_rate);

struct Reply {
    std::string content;
    std::string tool_calls_json; // "" when the model calls no tool
    std::string decision;        // for the debug log and the tests: "correct", "tool call"...
};

// The reply to a conversation about `example` (no answer format requested): a calculator call
// when one is offered (P = tool_call_rate) for an example with an expression, the final answer
// from the calculator's result when the conversation ends with it, else a direct answer.
Reply reply_for(const Example &example, const Conversation &conversation, const ModelSpec &model,
                const Draw &draw, double slip_rate);

// The direct answer text for an outcome (no tools).
std::string answer_text(const Example &example, Outcome outcome, const Draw &draw);

// "EXPRESSION = RESULT\nThe answer is RESULT.": the line the math gate re-checks, then the final
// number it compares.
std::string math_answer(std::string_view expression, std::string_view result);

// `number` with its last digit changed (up or down by one, as `draw` says): a slip.
std::string slipped(std::string_view number, const Draw &draw);

// What a simulated model says when no example matches: labelled, never a made-up answer.
std::string unmatched_reply(std::string_view model);

} // namespace tinyllm::sim
