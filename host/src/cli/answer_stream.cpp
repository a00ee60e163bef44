#include "cli/answer_stream.hpp"

#include "cli/decision_line.hpp"
#include "cli/terminal.hpp"
#include "tinyllm/json.hpp"

#include <cstdio>

namespace tinyllm::cli {

AnswerStream::AnswerStream(bool quiet, bool stream)
    : mode_(quiet                           ? Mode::quiet
            : stream || is_terminal(stdout) ? Mode::live
                                            : Mode::final_only),
      dim_(color_enabled(stderr)) {}

void AnswerStream::event(std::string_view event_json, int64_t seq, bool answer,
                         std::string_view node) {
    if (mode_ == Mode::quiet && !show_decisions_) return;
    const json::Document ev = json::parse_object(event_json, "event");
    const std::string type = json::get_string(ev, "type").value_or("");
    std::lock_guard lock(mutex_);
    if (type == "decision") {
        if (show_decisions_) note(decision_line(node, ev));
        return;
    }
    if (mode_ == Mode::quiet || !answer) return;
    const std::string content = json::get_string(ev, "content").value_or("");
    if (type == "thinking") { // on stderr, beside the answer (which may be written at the end)
        erasable_ = erasable_ && written_.empty();
        std::fputs(paint(content, Color::dim, dim_).c_str(), stderr);
        return;
    }
    if (mode_ != Mode::live) return;
    if (type == "token") {
        if (seq != seq_) {
            retract(/*restart=*/true);
            seq_ = seq;
        }
        write(content);
    }
}

void AnswerStream::finish(std::string_view answer) {
    if (mode_ == Mode::quiet) return;
    std::lock_guard lock(mutex_);
    if (!answer.empty() && written_ != answer) {
        retract(/*restart=*/false);
        write(answer);
    }
    end_line();
    std::fflush(stdout);
}

void AnswerStream::write(std::string_view text) {
    if (text.empty()) return;
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    written_.append(text);
    ends_with_newline_ = text.back() == '\n';
}

void AnswerStream::end_line() {
    if (!ends_with_newline_) {
        std::fputs("\n", stdout);
        ends_with_newline_ = true;
        erasable_ = false;
    }
}

// Takes back what the previous execution wrote: erased when nothing else was written after it
// and it is all on the screen; else it stays, marked as replaced. `restart`: a new execution
// starts answering (a retry, a gate's feedback), which is said on stderr even when the draft
// could be erased, so the user knows why the text went away.
void AnswerStream::retract(bool restart) {
    if (written_.empty()) {
        erasable_ = true;
        return;
    }
    const std::optional<TerminalSize> size = terminal_size(stdout);
    const int rows = size ? rows_of(written_, size->columns) : 0;
    if (mode_ == Mode::live && size && erasable_ && rows <= size->rows) {
        // To the first row of the text, then clear to the end of the screen.
        std::string erase = "\r";
        if (rows > 1) erase += "\033[" + std::to_string(rows - 1) + "A";
        erase += "\033[J";
        std::fputs(erase.c_str(), stdout);
        std::fflush(stdout);
        ends_with_newline_ = true;
        if (restart)
            std::fputs(paint("(the answer restarts:)\n", Color::dim, dim_).c_str(), stderr);
    } else {
        end_line();
        std::fputs(paint("(replaced by a new answer:)\n", Color::dim, dim_).c_str(), stderr);
    }
    written_.clear();
    erasable_ = true;
}

void AnswerStream::note(const std::string &line) {
    if (mode_ == Mode::live) {
        end_line();
        erasable_ = false;
    }
    std::fputs(paint(line + "\n", Color::dim, dim_).c_str(), stderr);
}

} // namespace tinyllm::cli
