// The answer a command writes to stdout, and the lines about it on stderr. The one place `ask`,
// `run` and `node` write an answer. [any-thread: events may come from the threads that run a
// graph's branches]
//
// On a terminal the answer streams as its tokens arrive (thinking dimmed on stderr); when a
// later execution starts answering (a retry, or a gate sending the request back), the rejected
// text is erased when it still can be (nothing else written since, and it fits on the screen),
// else marked as replaced; either way stderr says that the answer restarts. Into a pipe or a file,
// only the final answer is written, once the run has succeeded: what a script reads is never a
// rejected draft or a failed run's half answer.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace tinyllm::cli {

class AnswerStream {
public:
    // `quiet`: write no answer (the command prints JSON instead); notes still go to stderr.
    // `stream`: stream tokens even when stdout is not a terminal (--stream: a rejected draft
    // then stays in the output, marked on stderr, before the answer that replaced it).
    explicit AnswerStream(bool quiet, bool stream = false);

    // Show router and gate decisions ({"type":"decision"} events) as lines on stderr.
    void show_decisions(bool show) { show_decisions_ = show; }

    // One event of a call ({"type":"token"|"thinking"|"decision",...}; others are ignored),
    // from node `node` in execution `seq` of the run. `answer`: the node writes the answer
    // (its tokens stream); decisions are shown from every node.
    void event(std::string_view event_json, int64_t seq = 0, bool answer = true,
               std::string_view node = {});

    // After the call: makes the answer on stdout `answer` (written now when nothing was
    // streamed, or when what was streamed is not it), then ends the line. Also right before an
    // error is reported, with "", so that a partial answer ends its line first.
    void finish(std::string_view answer = {});

private:
    enum class Mode { quiet, live, final_only };

    void write(std::string_view text);  // holds mutex_
    void retract(bool restart);         // holds mutex_
    void note(const std::string &line); // holds mutex_
    void end_line();                    // holds mutex_

    Mode mode_;
    bool dim_;
    bool show_decisions_ = false;
    std::mutex mutex_;
    int64_t seq_ = -1;     // the execution whose tokens are on screen
    std::string written_;  // what it wrote (live mode)
    bool erasable_ = true; // nothing else written on the terminal since written_ began
    bool ends_with_newline_ = true;
};

} // namespace tinyllm::cli
