// Tokens of the condition language (see graph/condition.hpp). Internal to the graph code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tinyllm::graph {

enum class TokenKind : uint8_t {
    end,
    string, // value: the decoded text
    number, // spelling only; the parser converts it
    field,  // a dotted path
    kw_true,
    kw_false,
    kw_null,
    kw_and,
    kw_or,
    kw_not,
    kw_in,
    lparen,
    rparen,
    lbracket,
    rbracket,
    comma,
    eq,
    ne,
    lt,
    le,
    gt,
    ge,
    and_and, // &&
    or_or,   // ||
    bang,    // !
};

struct Token {
    TokenKind kind = TokenKind::end;
    size_t offset = 0;
    std::string_view spelling; // as written in the text
    std::string value;         // strings only
};

// "end of condition", "field 'route'", "keyword 'and'", "'=='"... for error messages.
std::string describe(const Token &token);

class ConditionLexer {
public:
    explicit ConditionLexer(std::string_view text) : text_(text) {}

    // The next token (TokenKind::end at the end, repeatedly). Throws ConditionError.
    Token next();

private:
    Token lex_string();
    Token lex_number();
    Token lex_path();
    Token make(TokenKind kind, size_t length);

    std::string_view text_;
    size_t pos_ = 0;
};

} // namespace tinyllm::graph
