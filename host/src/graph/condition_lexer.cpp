#include "graph/condition_lexer.hpp"

#include "graph/condition.hpp"

#include <array>
#include <cstdio>
#include <utility>

namespace tinyllm::graph {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) {
    return is_ident_start(c) || is_digit(c);
}

constexpr std::array<std::pair<std::string_view, TokenKind>, 7> keywords{{
    {"and", TokenKind::kw_and},
    {"or", TokenKind::kw_or},
    {"not", TokenKind::kw_not},
    {"in", TokenKind::kw_in},
    {"true", TokenKind::kw_true},
    {"false", TokenKind::kw_false},
    {"null", TokenKind::kw_null},
}};

const std::pair<std::string_view, TokenKind> *find_keyword(std::string_view word) {
    for (const auto &keyword : keywords) {
        if (keyword.first == word) return &keyword;
    }
    return nullptr;
}

// A character for a message: 'x' when printable ASCII, else its byte value.
std::string quote_char(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x21 && byte < 0x7f) return std::string("character '") + c + "'";
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "byte 0x%02X", byte);
    return buffer;
}

std::string shorten(std::string_view spelling) {
    constexpr size_t limit = 24;
    if (spelling.size() <= limit) return std::string(spelling);
    return std::string(spelling.substr(0, limit)) + "...";
}

} // namespace

std::string describe(const Token &token) {
    switch (token.kind) {
    case TokenKind::end: return "end of condition";
    case TokenKind::string: return "string " + shorten(token.spelling);
    case TokenKind::number: return "number " + shorten(token.spelling);
    case TokenKind::field: return "field '" + shorten(token.spelling) + "'";
    case TokenKind::kw_true:
    case TokenKind::kw_false:
    case TokenKind::kw_null:
    case TokenKind::kw_and:
    case TokenKind::kw_or:
    case TokenKind::kw_not:
    case TokenKind::kw_in: return "keyword '" + std::string(token.spelling) + "'";
    default: return "'" + std::string(token.spelling) + "'";
    }
}

Token ConditionLexer::make(TokenKind kind, size_t length) {
    Token token;
    token.kind = kind;
    token.offset = pos_;
    token.spelling = text_.substr(pos_, length);
    pos_ += length;
    return token;
}

Token ConditionLexer::next() {
    while (pos_ < text_.size() && is_space(text_[pos_]))
        ++pos_;
    if (pos_ >= text_.size()) return make(TokenKind::end, 0);

    const char c = text_[pos_];
    const char c2 = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    switch (c) {
    case '(': return make(TokenKind::lparen, 1);
    case ')': return make(TokenKind::rparen, 1);
    case '[': return make(TokenKind::lbracket, 1);
    case ']': return make(TokenKind::rbracket, 1);
    case ',': return make(TokenKind::comma, 1);
    case '"':
    case '\'': return lex_string();
    case '=':
        if (c2 == '=') return make(TokenKind::eq, 2);
        if (c2 == '<') throw ConditionError(pos_, "unknown operator '=<' (did you mean '<='?)");
        if (c2 == '>') throw ConditionError(pos_, "unknown operator '=>' (did you mean '>='?)");
        throw ConditionError(pos_, "unknown operator '=' (did you mean '=='?)");
    case '!': return c2 == '=' ? make(TokenKind::ne, 2) : make(TokenKind::bang, 1);
    case '<':
        if (c2 == '=') return make(TokenKind::le, 2);
        if (c2 == '>') throw ConditionError(pos_, "unknown operator '<>' (did you mean '!='?)");
        return make(TokenKind::lt, 1);
    case '>': return c2 == '=' ? make(TokenKind::ge, 2) : make(TokenKind::gt, 1);
    case '&':
        if (c2 == '&') return make(TokenKind::and_and, 2);
        throw ConditionError(pos_, "unknown operator '&' (did you mean 'and'?)");
    case '|':
        if (c2 == '|') return make(TokenKind::or_or, 2);
        throw ConditionError(pos_, "unknown operator '|' (did you mean 'or'?)");
    default: break;
    }
    if (c == '-' || is_digit(c)) return lex_number();
    if (is_ident_start(c)) return lex_path();
    throw ConditionError(pos_, "unexpected " + quote_char(c));
}

Token ConditionLexer::lex_string() {
    const size_t start = pos_;
    const char quote = text_[pos_++];
    std::string value;
    for (;;) {
        if (pos_ >= text_.size()) throw ConditionError(start, "unterminated string");
        const char c = text_[pos_];
        if (c == quote) break;
        if (static_cast<unsigned char>(c) < 0x20) {
            throw ConditionError(pos_, "control character in string (write \\n or \\t)");
        }
        if (c != '\\') {
            value += c;
            ++pos_;
            continue;
        }
        if (pos_ + 1 >= text_.size()) throw ConditionError(start, "unterminated string");
        switch (text_[pos_ + 1]) {
        case '"': value += '"'; break;
        case '\'': value += '\''; break;
        case '\\': value += '\\'; break;
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        default:
            throw ConditionError(pos_, "invalid escape in string (valid escapes are \\\" \\' "
                                       "\\\\ \\n \\t)");
        }
        pos_ += 2;
    }
    ++pos_; // the closing quote
    Token token;
    token.kind = TokenKind::string;
    token.offset = start;
    token.spelling = text_.substr(start, pos_ - start);
    token.value = std::move(value);
    return token;
}

Token ConditionLexer::lex_number() {
    const size_t start = pos_;
    size_t p = pos_;
    const auto digits = [&](const char *after) {
        if (p >= text_.size() || !is_digit(text_[p])) {
            throw ConditionError(p, std::string("expected a digit after ") + after);
        }
        while (p < text_.size() && is_digit(text_[p]))
            ++p;
    };
    if (text_[p] == '-') ++p;
    digits("'-'");
    if (p < text_.size() && text_[p] == '.') {
        ++p;
        digits("'.'");
    }
    if (p < text_.size() && (text_[p] == 'e' || text_[p] == 'E')) {
        ++p;
        if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
        digits("the exponent 'e'");
    }
    if (p < text_.size() && (is_ident_char(text_[p]) || text_[p] == '.')) {
        size_t q = p;
        while (q < text_.size() && (is_ident_char(text_[q]) || text_[q] == '.'))
            ++q;
        throw ConditionError(start,
                             "invalid number '" + shorten(text_.substr(start, q - start)) + "'");
    }
    return make(TokenKind::number, p - start);
}

Token ConditionLexer::lex_path() {
    const size_t start = pos_;
    size_t p = pos_;
    while (p < text_.size() && is_ident_char(text_[p]))
        ++p;
    const std::string_view first = text_.substr(start, p - start);
    const auto *keyword = find_keyword(first);
    if (p < text_.size() && text_[p] == '.') {
        if (keyword != nullptr) {
            throw ConditionError(start, "'" + std::string(first) +
                                            "' is a keyword and cannot be used as a field name");
        }
        while (p < text_.size() && text_[p] == '.') {
            ++p;
            if (p >= text_.size() || !is_ident_start(text_[p])) {
                throw ConditionError(p, "expected a field name after '.'");
            }
            while (p < text_.size() && is_ident_char(text_[p]))
                ++p;
        }
    }
    return make(keyword != nullptr && p - start == first.size() ? keyword->second
                                                                : TokenKind::field,
                p - start);
}

} // namespace tinyllm::graph
