#include "equation.hpp"

#include "markdown.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <span>
#include <vector>

namespace tinyllm::answer {

namespace {

// ≈ becomes this byte: an equals sign that expects rounding. (A \x01 in the answer itself is
// blanked first, so it cannot pose as one.)
constexpr char kApprox = '\x01';

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// ---- normalisation ----------------------------------------------------------------------

// The normalised text and, per byte, the span of the answer it came from: the equation is
// quoted back to the model as the model wrote it.
struct Normalized {
    std::string text;
    std::vector<size_t> from;
    std::vector<size_t> to;

    void emit(std::string_view s, size_t src_from, size_t src_to) {
        for (char c : s) {
            text += c;
            from.push_back(src_from);
            to.push_back(src_to);
        }
    }
    char last_visible() const {
        for (size_t i = text.size(); i-- > 0;)
            if (text[i] != ' ' && text[i] != '\t') return text[i];
        return '\0';
    }
};

struct Replacement {
    std::string_view from;
    std::string_view to;
};

// Characters models use for arithmetic, and spaces that are not ASCII.
constexpr std::array<Replacement, 17> kSymbols = {{
    {"×", "*"},
    {"·", "*"},
    {"⋅", "*"},
    {"∗", "*"},
    {"✕", "*"},
    {"✖", "*"},
    {"÷", "/"},
    {"∕", "/"},
    {"−", "-"},
    {"π", "pi"},
    {"²", "^2"},
    {"³", "^3"},
    {"≈", "\x01"},
    {"\u00a0", " "},
    {"\u2009", " "},
    {"\u202f", " "},
    {"\u2212", "-"},
}};

// LaTeX commands inside math: \times 7, \left( ... \right), \approx.
std::optional<std::string_view> latex(std::string_view command) {
    if (command == "times" || command == "cdot") return "*";
    if (command == "div") return "/";
    if (command == "pi") return "pi";
    if (command == "approx") return "\x01";
    if (command == "sqrt") return "sqrt";
    if (command == "left" || command == "right") return "";
    return std::nullopt;
}

size_t skip_spaces(std::string_view s, size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
        ++i;
    return i;
}

Normalized normalize(std::string_view answer) {
    const std::string src = without_fenced_code(answer);
    Normalized n;
    n.text.reserve(src.size());
    for (size_t k = 0; k < src.size();) {
        const char c = src[k];
        bool replaced = false;
        // Every symbol is UTF-8 beyond ASCII: an ASCII byte skips the scan (most of a text).
        for (const Replacement &r : static_cast<unsigned char>(c) < 0x80
                                        ? std::span<const Replacement>()
                                        : std::span<const Replacement>(kSymbols)) {
            if (std::string_view(src).substr(k, r.from.size()) == r.from) {
                n.emit(r.to, k, k + r.from.size());
                k += r.from.size();
                replaced = true;
                break;
            }
        }
        if (replaced) continue;
        if (c == kApprox) {
            n.emit(" ", k, k + 1);
            ++k;
        } else if (c == '\\') {
            size_t end = k + 1;
            while (end < src.size() && is_alpha(src[end]))
                ++end;
            const auto cmd = latex(std::string_view(src).substr(k + 1, end - k - 1));
            if (cmd) {
                n.emit(*cmd, k, end);
                k = end;
            } else if (end == k + 1 && k + 1 < src.size() &&
                       std::string_view("()[],; ").find(src[k + 1]) != std::string_view::npos) {
                n.emit(" ", k, k + 2); // \( \) \[ \] delimit math; \, \; are spaces
                k += 2;
            } else {
                n.emit("\\", k, k + 1);
                ++k;
            }
        } else if (c == '{' || c == '}') {
            n.emit(c == '{' ? "(" : ")", k, k + 1); // LaTeX groups: \sqrt{16}
            ++k;
        } else if (c == '*' && k + 1 < src.size() && src[k + 1] == '*') {
            // 2**10 is a power; **84** is Markdown bold.
            const char before = n.text.empty() ? '\0' : n.text.back();
            const char after = k + 2 < src.size() ? src[k + 2] : '\0';
            const bool power =
                (is_digit(before) || before == ')') && (is_digit(after) || after == '(');
            n.emit(power ? "^" : "", k, k + 2);
            k += 2;
        } else if (c == '_') {
            ++k; // Markdown emphasis; never arithmetic
        } else if ((c == '$' || src.compare(k, 3, "€") == 0 || src.compare(k, 2, "£") == 0)) {
            const size_t len = c == '$' ? 1 : src.compare(k, 3, "€") == 0 ? 3 : 2;
            // A currency sign (or a LaTeX $) before a number is not part of it.
            if (k + len < src.size() && (is_digit(src[k + len]) || src[k + len] == '-')) {
                k += len;
            } else {
                n.emit(std::string_view(src).substr(k, len), k, k + len);
                k += len;
            }
        } else if ((c == 'x' || c == 'X') &&
                   (is_digit(n.last_visible()) || n.last_visible() == ')')) {
            // "12 x 7", "12x7": a multiplication sign when it stands between two operands.
            const char left = n.text.empty() ? '\0' : n.text.back();
            const char right = k + 1 < src.size() ? src[k + 1] : '\0';
            const size_t next = skip_spaces(src, k + 1);
            const bool standalone = (left == ' ' || is_digit(left) || left == ')') &&
                                    (right == ' ' || is_digit(right) || right == '(');
            const bool operand = next < src.size() && (is_digit(src[next]) || src[next] == '(');
            n.emit(standalone && operand ? "*" : std::string_view(&src[k], 1), k, k + 1);
            ++k;
        } else if (src.compare(k, 3, "√") == 0) {
            size_t end = k + 3;
            while (end < src.size() && (is_digit(src[end]) || src[end] == '.'))
                ++end;
            if (end > k + 3) {
                n.emit("sqrt(", k, k + 3);
                for (size_t d = k + 3; d < end; ++d)
                    n.emit(std::string_view(&src[d], 1), d, d + 1);
                n.emit(")", end - 1, end);
            } else {
                n.emit("sqrt", k, k + 3);
            }
            k = end;
        } else {
            n.emit(std::string_view(&src[k], 1), k, k + 1);
            ++k;
        }
    }
    return n;
}

// ---- tokens -----------------------------------------------------------------------------

enum class Kind { number, ident, op, bang, lparen, rparen, comma, other };

struct Token {
    Kind kind;
    size_t begin;
    size_t end;
    bool space_before;
    std::string text; // numbers: without thousands separators
    int decimals = 0; // numbers
};

// One token at `i` of `s` (not a space or a line break).
Token read_token(const std::string &s, size_t i, bool space_before) {
    Token t{Kind::other, i, i + 1, space_before, std::string(1, s[i])};
    const char c = s[i];
    if (is_digit(c) || (c == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) {
        t.kind = Kind::number;
        t.text.clear();
        size_t p = i;
        while (p < s.size() && is_digit(s[p]))
            t.text += s[p++];
        // Thousands separators: 1,234,567 (a group of 1-3 digits, then groups of exactly 3).
        if (p - i >= 1 && p - i <= 3) {
            while (p + 3 < s.size() && s[p] == ',' && is_digit(s[p + 1]) && is_digit(s[p + 2]) &&
                   is_digit(s[p + 3]) && (p + 4 >= s.size() || !is_digit(s[p + 4]))) {
                t.text.append(s, p + 1, 3);
                p += 4;
            }
        }
        if (p + 1 < s.size() && s[p] == '.' && is_digit(s[p + 1])) {
            t.text += s[p++];
            while (p < s.size() && is_digit(s[p])) {
                t.text += s[p++];
                ++t.decimals;
            }
        }
        // An exponent only when nothing word-like follows it ("2e5", not "2em").
        if (p < s.size() && (s[p] == 'e' || s[p] == 'E')) {
            size_t q = p + 1;
            if (q < s.size() && (s[q] == '+' || s[q] == '-')) ++q;
            size_t digits = q;
            while (digits < s.size() && is_digit(s[digits]))
                ++digits;
            if (digits > q && (digits >= s.size() || !is_alpha(s[digits]))) {
                t.text.append(s, p, digits - p);
                p = digits;
            }
        }
        if (t.text.front() == '.') t.text.insert(0, "0"); // .5 -> 0.5
        t.end = p;
        return t;
    }
    if (is_alpha(c)) {
        size_t p = i;
        while (p < s.size() && (is_alpha(s[p]) || is_digit(s[p])))
            ++p;
        t.kind = Kind::ident;
        t.end = p;
        t.text = s.substr(i, p - i);
        return t;
    }
    switch (c) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '^':
    case '%': t.kind = Kind::op; break;
    case '!': t.kind = Kind::bang; break;
    case '(': t.kind = Kind::lparen; break;
    case ')': t.kind = Kind::rparen; break;
    case ',': t.kind = Kind::comma; break;
    default: {
        // A whole UTF-8 character is one "other" token.
        size_t p = i + 1;
        while (p < s.size() && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80)
            ++p;
        t.end = p;
        t.text = s.substr(i, p - i);
    }
    }
    return t;
}

std::vector<Token> tokenize(const std::string &s, size_t begin, size_t end) {
    std::vector<Token> tokens;
    bool space = false;
    for (size_t i = begin; i < end;) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
            space = true;
            ++i;
            continue;
        }
        Token t = read_token(s, i, space);
        t.end = std::min(t.end, end);
        tokens.push_back(std::move(t));
        i = tokens.back().end;
        space = false;
    }
    return tokens;
}

bool is_function(std::string_view name) {
    static constexpr std::array<std::string_view, 26> kFunctions = {
        "abs",       "acos",  "asin",  "atan", "atan2", "cbrt", "ceil",  "cos",  "exp",
        "factorial", "floor", "gcd",   "lcm",  "ln",    "log",  "log10", "log2", "max",
        "min",       "mod",   "round", "sign", "sin",   "sqrt", "tan",   "trunc"};
    return std::find(kFunctions.begin(), kFunctions.end(), name) != kFunctions.end();
}

bool is_constant(std::string_view name) {
    return name == "pi" || name == "tau";
}

bool is_sign(const Token &t) {
    return t.kind == Kind::op && (t.text == "-" || t.text == "+");
}

bool operand_like(const Token &t) {
    return t.kind == Kind::number || t.kind == Kind::ident || t.kind == Kind::rparen;
}

double to_double(const std::string &text) {
    return std::strtod(text.c_str(), nullptr);
}

// ---- the two sides of an equation ---------------------------------------------------------

struct LeftSide {
    std::string expression;
    size_t begin = 0; // in the normalised text
};

// The computation that ends just before `eq`, read right to left from the line's start (or the
// previous equals sign: "2 * (3 + 4) = 2 * 7 = 14"). nullopt when it is not a whole
// computation: a variable in it, unbalanced parentheses, no operator at all.
std::optional<LeftSide> left_side(const std::string &s, size_t segment_begin, size_t eq) {
    const std::vector<Token> tokens = tokenize(s, segment_begin, eq);
    if (tokens.empty()) return std::nullopt;
    std::vector<bool> percent(tokens.size(), false); // postfix % (15% of a number)
    std::vector<bool> times(tokens.size(), false);   // implicit * after a number: 2π, 2(3+4)
    bool need_operand = true;
    int depth = 0, ops = 0;
    size_t first = tokens.size(); // index of the leftmost accepted token
    size_t i = tokens.size();
    while (i-- > 0) {
        const Token &t = tokens[i];
        if (need_operand) {
            if (t.kind == Kind::number || (t.kind == Kind::ident && is_constant(t.text))) {
                need_operand = false;
            } else if (t.kind == Kind::rparen) {
                ++depth;
            } else if (t.kind == Kind::bang || (t.kind == Kind::op && t.text == "%")) {
                percent[i] = t.kind == Kind::op;
                ++ops;
            } else {
                break;
            }
        } else if (t.kind == Kind::number &&
                   (is_constant(tokens[i + 1].text) ||
                    (tokens[i + 1].kind == Kind::lparen && !tokens[i + 1].space_before))) {
            times[i] = true;
            ++ops;
        } else if (t.kind == Kind::op) {
            need_operand = true;
            ++ops;
        } else if (t.kind == Kind::comma && depth > 0) {
            need_operand = true;
        } else if (t.kind == Kind::lparen && depth > 0) {
            --depth;
            if (i > 0 && tokens[i - 1].kind == Kind::ident && is_function(tokens[i - 1].text)) {
                first = i;
                --i;
                ++ops;
            }
        } else {
            break;
        }
        first = i;
    }
    if (first >= tokens.size() || depth != 0) return std::nullopt;
    const Token *left = first > 0 ? &tokens[first - 1] : nullptr;
    if (need_operand) {
        // Stopped after an operator: a sign before a number ("is -3 + 5"), Markdown emphasis
        // ("*12 * 7 = 84*"), or an operand the calculator cannot read ("x - 3").
        const Token &op = tokens[first];
        const bool attached = first + 1 < tokens.size() && !tokens[first + 1].space_before;
        if (is_sign(op) && attached &&
            (left == nullptr || op.space_before || !operand_like(*left))) {
            --ops; // a sign, not an operation
        } else if (!is_sign(op) && (left == nullptr || !operand_like(*left))) {
            ++first;
            --ops;
        } else {
            return std::nullopt;
        }
    } else if (left != nullptr && !tokens[first].space_before &&
               (left->kind == Kind::number || left->kind == Kind::ident)) {
        return std::nullopt; // glued to a word: "v2 * 3" is not arithmetic
    }
    if (ops <= 0 || first >= tokens.size()) return std::nullopt;

    LeftSide out;
    out.begin = tokens[first].begin;
    for (size_t k = first; k < tokens.size(); ++k) {
        if (k > first && tokens[k].space_before) out.expression += ' ';
        out.expression += percent[k] ? "/100" : tokens[k].text;
        if (times[k]) out.expression += tokens[k + 1].space_before ? " *" : "*";
    }
    return out;
}

struct RightSide {
    WrittenNumber number;
    size_t end = 0; // in the normalised text, past the number (and its % or denominator)
};

// The number right after `eq` on its line, when nothing arithmetic follows it.
std::optional<RightSide> right_side(const std::string &s, size_t eq, size_t line_end) {
    size_t i = eq + 1;
    while (i < line_end && (s[i] == ' ' || s[i] == '\t' || s[i] == '*'))
        ++i;
    const std::vector<Token> tokens = tokenize(s, i, line_end);
    size_t k = 0;
    std::string sign;
    if (k < tokens.size() && is_sign(tokens[k]) && k + 1 < tokens.size() &&
        tokens[k + 1].kind == Kind::number && !tokens[k + 1].space_before) {
        sign = tokens[k].text == "-" ? "-" : "";
        ++k;
    }
    if (k >= tokens.size() || tokens[k].kind != Kind::number) return std::nullopt;
    RightSide out;
    out.number.offset = tokens[0].begin; // the sign's, when there is one
    out.number.text = sign + tokens[k].text;
    out.number.value = to_double(out.number.text);
    out.number.decimals = tokens[k].decimals;
    out.end = tokens[k].end;
    ++k;
    const auto is_op = [&](size_t at, const char *op) {
        return at < tokens.size() && tokens[at].kind == Kind::op && tokens[at].text == op;
    };
    if (is_op(k, "%") && !tokens[k].space_before) {
        out.number.percent = true;
        out.end = tokens[k].end;
        ++k;
    } else if (is_op(k, "/") && k + 1 < tokens.size() && tokens[k + 1].kind == Kind::number &&
               tokens[k - 1].decimals == 0 && tokens[k + 1].decimals == 0) {
        const double denominator = to_double(tokens[k + 1].text);
        if (denominator == 0) return std::nullopt;
        out.number.text += "/" + tokens[k + 1].text;
        out.number.value /= denominator;
        out.number.decimals = -1;
        out.end = tokens[k + 1].end;
        k += 2;
    }
    // "= 12 * 7" is an expression, not a result: this is not the equation we want.
    if (k < tokens.size()) {
        const Token &next = tokens[k];
        // A dash before a word is prose ("= 84 - the answer"); other operators before a word
        // make a formula ("= 3 * x").
        const Token *after = k + 1 < tokens.size() ? &tokens[k + 1] : nullptr;
        const bool operand =
            after != nullptr &&
            (after->kind == Kind::number || after->kind == Kind::lparen ||
             (after->kind == Kind::ident &&
              (is_function(after->text) || is_constant(after->text) || next.text != "-")));
        const bool continues = next.kind == Kind::op && operand;
        const bool glued =
            !next.space_before && (next.kind == Kind::lparen || next.kind == Kind::bang);
        if (continues || glued) return std::nullopt;
    }
    return out;
}

bool is_equals(const std::string &s, size_t i) {
    if (s[i] == kApprox) return true;
    if (s[i] != '=') return false;
    const char before = i > 0 ? s[i - 1] : '\0';
    const char after = i + 1 < s.size() ? s[i + 1] : '\0';
    // ==, <=, >=, !=, :=, +=, =>: code and logic, not arithmetic.
    return std::string_view("=<>!:+-*/^%").find(before) == std::string_view::npos && after != '=' &&
           after != '>';
}

size_t line_begin(const std::string &s, size_t i) {
    const size_t nl = s.rfind('\n', i == 0 ? 0 : i - 1);
    return i == 0 || nl == std::string::npos ? 0 : nl + 1;
}

size_t line_end(const std::string &s, size_t i) {
    const size_t nl = s.find('\n', i);
    return nl == std::string::npos ? s.size() : nl;
}

bool same_integer(std::string_view a, std::string_view b) {
    const auto digits = [](std::string_view s, bool &negative) {
        negative = !s.empty() && s.front() == '-';
        if (negative) s.remove_prefix(1);
        while (s.size() > 1 && s.front() == '0')
            s.remove_prefix(1);
        return s;
    };
    bool na = false, nb = false;
    const std::string_view da = digits(a, na), db = digits(b, nb);
    return da == db && (na == nb || da == "0");
}

bool is_integer_text(std::string_view s) {
    if (!s.empty() && s.front() == '-') s.remove_prefix(1);
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c); });
}

} // namespace

std::optional<Equation> last_equation(std::string_view answer) {
    const Normalized n = normalize(answer);
    const std::string &s = n.text;
    for (size_t i = s.size(); i-- > 0;) {
        if (!is_equals(s, i)) continue;
        size_t segment = line_begin(s, i);
        for (size_t p = i; p-- > segment;) {
            if (is_equals(s, p)) {
                segment = p + 1;
                break;
            }
        }
        const std::optional<LeftSide> lhs = left_side(s, segment, i);
        if (!lhs) continue;
        const std::optional<RightSide> rhs = right_side(s, i, line_end(s, i));
        if (!rhs) continue;
        Equation eq;
        eq.expression = lhs->expression;
        eq.result = rhs->number;
        eq.approximate = s[i] == kApprox;
        const size_t from = n.from[lhs->begin];
        eq.written = std::string(answer.substr(from, n.to[rhs->end - 1] - from));
        return eq;
    }
    return std::nullopt;
}

std::optional<WrittenNumber> final_number(std::string_view answer) {
    const Normalized n = normalize(answer);
    const std::vector<Token> tokens = tokenize(n.text, 0, n.text.size());
    for (size_t i = tokens.size(); i-- > 0;) {
        const Token &t = tokens[i];
        if (t.kind != Kind::number) continue;
        const Token *next = i + 1 < tokens.size() ? &tokens[i + 1] : nullptr;
        if (next && next->kind == Kind::ident && !next->space_before &&
            (next->text == "st" || next->text == "nd" || next->text == "rd" ||
             next->text == "th")) {
            continue; // an ordinal
        }
        if (i > 0 && tokens[i - 1].kind == Kind::ident && !t.space_before) continue; // "mp3"
        WrittenNumber out;
        out.text = t.text;
        out.decimals = t.decimals;
        out.offset = t.begin;
        // "3/4" written as one word is one number, a fraction, not the 4 at its end.
        if (i >= 2 && t.decimals == 0 && !t.space_before && tokens[i - 1].text == "/" &&
            !tokens[i - 1].space_before && tokens[i - 2].kind == Kind::number &&
            tokens[i - 2].decimals == 0 && to_double(t.text) != 0) {
            i -= 2;
            out.text = tokens[i].text + "/" + t.text;
            out.decimals = -1;
            out.offset = tokens[i].begin;
        }
        // A minus glued to the number and not between two operands is its sign.
        if (i > 0 && tokens[i - 1].text == "-" && !tokens[i].space_before &&
            (i == 1 || tokens[i - 1].space_before || !operand_like(tokens[i - 2]))) {
            out.text = "-" + out.text;
            out.offset = tokens[i - 1].begin;
        }
        if (out.decimals < 0) {
            const size_t slash = out.text.find('/');
            out.value =
                to_double(out.text.substr(0, slash)) / to_double(out.text.substr(slash + 1));
        } else {
            out.value = to_double(out.text);
        }
        out.percent = next && next->kind == Kind::op && next->text == "%" && !next->space_before;
        return out;
    }
    return std::nullopt;
}

bool states(const WrittenNumber &written, double actual, std::string_view actual_text,
            double tolerance, bool approximate) {
    if (written.decimals == 0 && !written.percent && is_integer_text(written.text) &&
        is_integer_text(actual_text)) {
        return same_integer(written.text, actual_text);
    }
    std::vector<double> readings = {written.value};
    if (written.percent) readings.push_back(written.value / 100);
    for (double v : readings) {
        if (v == actual) return true;
        if (std::fabs(v - actual) <= tolerance * std::max(std::fabs(v), std::fabs(actual)))
            return true;
        const int decimals = written.decimals > 0                   ? written.decimals
                             : approximate && written.decimals == 0 ? 0
                                                                    : -1;
        if (decimals >= 0) {
            // Half a unit of the last written digit, with room for binary rounding.
            const double half_unit = 0.5 * std::pow(10.0, -decimals);
            if (std::fabs(v - actual) <= half_unit * (1 + 1e-9)) return true;
        }
    }
    return false;
}

} // namespace tinyllm::answer
