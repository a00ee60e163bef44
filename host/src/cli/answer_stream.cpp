#include "cli/answer_stream.hpp"

#include "cli/terminal.hpp"
#include "tinyllm/json.hpp"

#include <cstdio>

namespace tinyllm::cli {

AnswerStream::AnswerStream(bool quiet) : quiet_(quiet), dim_thinking_(color_enabled(stderr)) {}

void AnswerStream::event(std::string_view event_json) {
    if (quiet_) return;
    const json::Document ev = json::parse_object(event_json, "event");
    const std::string type = json::get_string(ev, "type").value_or("");
    const std::string content = json::get_string(ev, "content").value_or("");
    std::lock_guard lock(mutex_);
    if (type == "token") {
        write(content);
    } else if (type == "thinking") {
        std::fputs(paint(content, Color::dim, dim_thinking_).c_str(), stderr);
    }
}

void AnswerStream::finish(std::string_view answer) {
    if (quiet_) return;
    std::lock_guard lock(mutex_);
    if (!wrote_) write(answer);
    if (wrote_ && !ends_with_newline_) {
        std::fputs("\n", stdout);
        ends_with_newline_ = true;
    }
    std::fflush(stdout);
}

void AnswerStream::write(std::string_view text) {
    if (text.empty()) return;
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    wrote_ = true;
    ends_with_newline_ = text.back() == '\n';
}

} // namespace tinyllm::cli
