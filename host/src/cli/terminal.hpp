// Terminal habits: colour only on a terminal and never with NO_COLOR; progress bars only on a
// terminal (on a pipe, long work prints nothing but its result).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::cli {

bool is_terminal(std::FILE *stream);
// True when `stream` is a terminal, NO_COLOR is unset or empty, and TERM is not "dumb".
bool color_enabled(std::FILE *stream);

enum class Color { red, green, yellow, blue, dim, bold };

// `text` wrapped in the colour's escape codes when `enabled`.
std::string paint(std::string_view text, Color color, bool enabled);

// The size of the terminal `stream` writes to (columns, rows), or nullopt when it is none.
struct TerminalSize {
    int columns = 0;
    int rows = 0;
};
std::optional<TerminalSize> terminal_size(std::FILE *stream);

// How many terminal rows `text` takes when written from the start of a row on a terminal
// `columns` wide (tabs to the next multiple of 8; every other code point one column: an
// estimate for wide and combining characters). The cursor's row after the text counts.
int rows_of(std::string_view text, int columns);

// `text` with every control character (C0 but tab, DEL, and C1) written as a visible escape
// (\x1b, \n), so a model's answer or a user's prompt shown in a table cannot move the cursor,
// clear the screen or retitle the window.
std::string terminal_safe(std::string_view text);

// "1.2 GB", "512 B".
std::string human_bytes(int64_t bytes);

// A one-line progress bar redrawn in place on stderr; silent when stderr is not a terminal.
class ProgressBar {
public:
    ProgressBar();
    ~ProgressBar();
    void update(std::string_view label, int64_t completed, int64_t total);
    void finish();

private:
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_draw_{};
    std::string last_label_;
};

} // namespace tinyllm::cli
