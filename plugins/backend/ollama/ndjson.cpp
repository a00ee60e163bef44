#include "ndjson.hpp"

#include <tinyllm/plugin.hpp>

namespace tinyllm::ollama {
namespace {

bool is_blank(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

} // namespace

void NdjsonSplitter::deliver(std::string_view line, const LineFn &on_line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (is_blank(line)) return;
    ++lines_;
    on_line(line);
}

void NdjsonSplitter::feed(std::string_view bytes, const LineFn &on_line) {
    while (!bytes.empty()) {
        const size_t nl = bytes.find('\n');
        if (nl == std::string_view::npos) {
            if (buffer_.size() + bytes.size() > max_line_) {
                buffer_.clear();
                throw sdk::Error(TLLM_ERR_PROTOCOL,
                                 "stream line longer than " + std::to_string(max_line_) + " bytes");
            }
            buffer_.append(bytes);
            return;
        }
        const std::string_view head = bytes.substr(0, nl);
        bytes.remove_prefix(nl + 1);
        if (buffer_.empty()) {
            // Common case: the whole line is inside this chunk; no copy.
            deliver(head, on_line);
        } else {
            // Move the buffered prefix out first so a throwing callback leaves us clean.
            std::string line = std::move(buffer_);
            buffer_.clear();
            line.append(head);
            deliver(line, on_line);
        }
    }
}

void NdjsonSplitter::finish(const LineFn &on_line) {
    if (buffer_.empty()) return;
    std::string line = std::move(buffer_);
    buffer_.clear();
    deliver(line, on_line);
}

} // namespace tinyllm::ollama
