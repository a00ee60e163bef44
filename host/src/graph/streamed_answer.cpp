#include "graph/streamed_answer.hpp"

#include "tinyllm/json.hpp"

namespace tinyllm::graph {

void StreamedAnswer::add(int64_t seq, std::string_view event_json) {
    const json::Document ev = json::parse_object(event_json, "event");
    if (json::get_string(ev, "type").value_or("") != "token") return;
    const std::string content = json::get_string(ev, "content").value_or("");
    std::lock_guard lock(mutex_);
    if (seq != seq_) {
        text_.clear();
        seq_ = seq;
    }
    text_ += content;
}

std::string StreamedAnswer::take() {
    std::lock_guard lock(mutex_);
    return std::move(text_);
}

} // namespace tinyllm::graph
