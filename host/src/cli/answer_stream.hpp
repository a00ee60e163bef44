// The answer a command streams to stdout: the tokens of a model or node as they arrive
// (thinking, when a model streams it, dimmed on stderr), then whatever must end it — the
// answer itself when nothing was streamed, and a newline when the text did not end with one.
// The one place `ask`, `run` and `node` write an answer. [any-thread: events may come from the
// threads that run a graph's branches]
#pragma once

#include <mutex>
#include <string>
#include <string_view>

namespace tinyllm::cli {

class AnswerStream {
public:
    // `quiet`: write nothing (the command prints JSON instead).
    explicit AnswerStream(bool quiet);

    // One event of a call ({"type":"token"|"thinking","content":"..."}; others are ignored).
    void event(std::string_view event_json);

    // After the call: writes `answer` if no token was streamed, then ends the line. Also right
    // before an error is reported, with "", so that a partial answer ends its line first.
    void finish(std::string_view answer = {});

private:
    void write(std::string_view text); // holds mutex_

    bool quiet_;
    bool dim_thinking_;
    std::mutex mutex_;
    bool wrote_ = false;
    bool ends_with_newline_ = false;
};

} // namespace tinyllm::cli
