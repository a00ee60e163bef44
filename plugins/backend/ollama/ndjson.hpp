// Splits a byte stream into NDJSON lines. Network chunks end anywhere — in the middle of a line
// or of a multi-byte UTF-8 character — so incomplete tails are buffered until their '\n' comes.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace tinyllm::ollama {

class NdjsonSplitter {
public:
    using LineFn = std::function<void(std::string_view line)>;

    // A line longer than this is treated as a protocol error rather than buffered without end.
    static constexpr size_t kDefaultMaxLine = size_t{64} << 20;

    explicit NdjsonSplitter(size_t max_line = kDefaultMaxLine) : max_line_(max_line) {}

    // Feed bytes; `on_line` is called once per complete line, without its "\n" or "\r\n".
    // Blank lines are skipped. Throws sdk::Error(TLLM_ERR_PROTOCOL) on an over-long line.
    // Exceptions thrown by `on_line` propagate; the splitter stays usable.
    void feed(std::string_view bytes, const LineFn &on_line);

    // Deliver a final line that had no terminating newline, if any. Call at end of stream.
    void finish(const LineFn &on_line);

    // Bytes of an unfinished line currently buffered.
    size_t pending() const noexcept { return buffer_.size(); }

    // Number of lines delivered so far (1-based index of the last line), for error messages.
    size_t lines() const noexcept { return lines_; }

private:
    void deliver(std::string_view line, const LineFn &on_line);

    std::string buffer_;
    size_t max_line_;
    size_t lines_ = 0;
};

} // namespace tinyllm::ollama
