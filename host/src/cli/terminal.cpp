#include "cli/terminal.hpp"

#include <cstdlib>
#include <cstring>

#include <sys/ioctl.h>
#include <unistd.h>

namespace tinyllm::cli {

bool is_terminal(std::FILE *stream) {
    return ::isatty(::fileno(stream)) == 1;
}

bool color_enabled(std::FILE *stream) {
    const char *no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && *no_color != '\0') return false;
    const char *term = std::getenv("TERM");
    if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
    return is_terminal(stream);
}

std::string paint(std::string_view text, Color color, bool enabled) {
    if (!enabled) return std::string(text);
    const char *code = "";
    switch (color) {
    case Color::red: code = "\033[31m"; break;
    case Color::green: code = "\033[32m"; break;
    case Color::yellow: code = "\033[33m"; break;
    case Color::blue: code = "\033[34m"; break;
    case Color::dim: code = "\033[2m"; break;
    case Color::bold: code = "\033[1m"; break;
    }
    return std::string(code) + std::string(text) + "\033[0m";
}

std::optional<TerminalSize> terminal_size(std::FILE *stream) {
    winsize ws{};
    if (!is_terminal(stream) || ::ioctl(::fileno(stream), TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 ||
        ws.ws_row == 0) {
        return std::nullopt;
    }
    return TerminalSize{ws.ws_col, ws.ws_row};
}

int rows_of(std::string_view text, int columns) {
    if (columns <= 0) columns = 80;
    int rows = 1;
    int column = 0;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\n') {
            ++rows;
            column = 0;
            continue;
        }
        if ((byte & 0xC0) == 0x80) continue; // a UTF-8 continuation byte: same code point
        const int width = c == '\t' ? 8 - column % 8 : 1;
        if (column + width > columns) { // the terminal wraps before this character
            ++rows;
            column = 0;
        }
        column += width;
    }
    return rows;
}

std::string human_bytes(int64_t bytes) {
    static constexpr const char *kUnits[] = {"B", "KB", "MB", "GB", "TB"};
    double value = static_cast<double>(bytes);
    size_t unit = 0;
    // 999.96 KB would print as "1000.0 KB": move up a unit once it rounds to 1000.
    while (value >= 999.95 && unit + 1 < std::size(kUnits)) {
        value /= 1000.0;
        ++unit;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
    return buf;
}

ProgressBar::ProgressBar() : enabled_(is_terminal(stderr)) {}

ProgressBar::~ProgressBar() {
    finish();
}

void ProgressBar::update(std::string_view label, int64_t completed, int64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    // Redraw at most 20 times a second unless the label changed: a pull sends many events.
    if (drawn_ && label == last_label_ && now - last_draw_ < std::chrono::milliseconds(50) &&
        completed < total) {
        return;
    }
    last_draw_ = now;
    if (drawn_ && label != last_label_ && !last_label_.empty()) std::fputs("\n", stderr);
    last_label_ = std::string(label);
    drawn_ = true;
    if (total <= 0) {
        std::fprintf(stderr, "\r\033[K%.*s", static_cast<int>(label.size()), label.data());
        std::fflush(stderr);
        return;
    }
    constexpr int kWidth = 30;
    const double fraction = std::min(1.0, static_cast<double>(completed) / total);
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '-');
    std::fprintf(stderr, "\r\033[K%.*s %3d%% [%s] %s/%s", static_cast<int>(label.size()),
                 label.data(), static_cast<int>(fraction * 100), bar.c_str(),
                 human_bytes(completed).c_str(), human_bytes(total).c_str());
    std::fflush(stderr);
}

void ProgressBar::finish() {
    if (enabled_ && drawn_) {
        std::fputs("\n", stderr);
        std::fflush(stderr);
    }
    drawn_ = false;
    last_label_.clear();
}

std::string terminal_safe(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            out += "\\n";
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else if (c == 0xc2 && i + 1 < text.size() &&
                   static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
            const auto d = static_cast<unsigned char>(text[++i]);
            out += "\\u00";
            out += kHex[d >> 4];
            out += kHex[d & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

} // namespace tinyllm::cli
