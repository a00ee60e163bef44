#include "lexer.hpp"

#include "error.hpp"

#include <cctype>
#include <cstdio>

namespace tinyllm::calculator {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_ident_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}
bool is_ident_char(char c) {
    return is_ident_start(c) || is_digit(c);
}

// Length in bytes of the UTF-8 sequence starting with `lead` (1 for invalid bytes, so that the
// lexer always advances).
size_t sequence_length(unsigned char lead) {
    if (lead < 0xC0) return 1;
    if (lead < 0xE0) return 2;
    if (lead < 0xF0) return 3;
    return 4;
}

class Lexer {
public:
    explicit Lexer(std::string_view in) : in_(in) {}

    std::vector<Token> run() {
        std::vector<Token> out;
        while (pos_ < in_.size()) {
            const char c = in_[pos_];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                advance(1);
            } else if (is_digit(c) ||
                       (c == '.' && pos_ + 1 < in_.size() && is_digit(in_[pos_ + 1]))) {
                out.push_back(number());
            } else if (is_ident_start(c)) {
                const size_t start = pos_, column = column_;
                while (pos_ < in_.size() && is_ident_char(in_[pos_]))
                    advance(1);
                out.push_back(
                    {TokenKind::identifier, std::string(in_.substr(start, pos_ - start)), column});
            } else {
                out.push_back(symbol());
            }
        }
        out.push_back({TokenKind::end, "", column_});
        return out;
    }

private:
    void advance(size_t bytes) {
        for (size_t i = 0; i < bytes && pos_ < in_.size(); ++i, ++pos_) {
            // Continuation bytes do not start a character.
            if ((static_cast<unsigned char>(in_[pos_]) & 0xC0) != 0x80) ++column_;
        }
    }
    char peek(size_t ahead) const { return pos_ + ahead < in_.size() ? in_[pos_ + ahead] : '\0'; }
    void digits() {
        while (pos_ < in_.size() && is_digit(in_[pos_]))
            advance(1);
    }

    Token number() {
        const size_t start = pos_, column = column_;
        digits();
        if (peek(0) == '.') {
            advance(1);
            digits();
        }
        // An 'e' only belongs to the number when digits follow; otherwise it is a name (and the
        // parser reports the missing operator).
        if (peek(0) == 'e' || peek(0) == 'E') {
            const size_t sign = (peek(1) == '+' || peek(1) == '-') ? 1 : 0;
            if (is_digit(peek(1 + sign))) {
                advance(1 + sign);
                digits();
            }
        }
        const std::string text(in_.substr(start, pos_ - start));
        if (peek(0) == '.') {
            throw CalcError(column_, "at column " + std::to_string(column_) +
                                         ": unexpected '.' after the number " + text);
        }
        if (peek(0) == '_') {
            throw CalcError(column_, "at column " + std::to_string(column_) +
                                         ": '_' digit grouping is not supported; write the digits "
                                         "without separators");
        }
        return {TokenKind::number, text, column};
    }

    Token symbol() {
        const size_t column = column_;
        const char c = in_[pos_];
        auto one = [&](TokenKind kind, size_t bytes, std::string text) {
            advance(bytes);
            return Token{kind, std::move(text), column};
        };
        switch (c) {
        case '+': return one(TokenKind::plus, 1, "+");
        case '-': return one(TokenKind::minus, 1, "-");
        case '*':
            if (peek(1) == '*') return one(TokenKind::caret, 2, "**");
            return one(TokenKind::star, 1, "*");
        case '/': return one(TokenKind::slash, 1, "/");
        case '%': return one(TokenKind::percent, 1, "%");
        case '^': return one(TokenKind::caret, 1, "^");
        case '!': return one(TokenKind::bang, 1, "!");
        case '(': return one(TokenKind::lparen, 1, "(");
        case ')': return one(TokenKind::rparen, 1, ")");
        case ',': return one(TokenKind::comma, 1, ",");
        default: break;
        }
        const std::string_view rest = in_.substr(pos_);
        if (rest.starts_with("\xC3\x97")) return one(TokenKind::star, 2, "\xC3\x97");  // ×
        if (rest.starts_with("\xC2\xB7")) return one(TokenKind::star, 2, "\xC2\xB7");  // ·
        if (rest.starts_with("\xC3\xB7")) return one(TokenKind::slash, 2, "\xC3\xB7"); // ÷
        if (rest.starts_with("\xE2\x88\x92")) return one(TokenKind::minus, 3, "-");    // −
        if (rest.starts_with("\xCF\x80")) return one(TokenKind::identifier, 2, "pi");  // π
        throw CalcError(column, unexpected_character(column));
    }

    bool valid_sequence(unsigned char lead) const {
        if (lead < 0x80) return true;
        if (lead < 0xC2 || lead > 0xF4) return false;
        const size_t n = sequence_length(lead);
        if (pos_ + n > in_.size()) return false;
        for (size_t i = 1; i < n; ++i) {
            if ((static_cast<unsigned char>(in_[pos_ + i]) & 0xC0) != 0x80) return false;
        }
        return true;
    }

    std::string unexpected_character(size_t column) const {
        const auto lead = static_cast<unsigned char>(in_[pos_]);
        std::string shown;
        if (lead < 0x20 || lead == 0x7F) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "U+%04X", lead);
            shown = buf;
        } else if (valid_sequence(lead)) {
            shown = "'" + std::string(in_.substr(pos_, sequence_length(lead))) + "'";
        } else {
            // Invalid UTF-8 must not reach the message: the host prints it and embeds it in JSON.
            char buf[16];
            std::snprintf(buf, sizeof buf, "byte 0x%02X", lead);
            shown = buf;
        }
        std::string message =
            "at column " + std::to_string(column) + ": unexpected character " + shown;
        switch (lead) {
        case '=': message += " (write only the expression, without '=')"; break;
        case '[':
        case ']':
        case '{':
        case '}': message += " (use parentheses for grouping)"; break;
        default: break;
        }
        return message;
    }

    std::string_view in_;
    size_t pos_ = 0;
    size_t column_ = 1;
};

} // namespace

std::string describe(const Token &token) {
    if (token.kind == TokenKind::end) return "end of input";
    return "'" + token.text + "'";
}

std::vector<Token> tokenize(std::string_view input) {
    return Lexer(input).run();
}

} // namespace tinyllm::calculator
