// Splits an expression into tokens. Accepts ASCII plus the few Unicode signs models like to write
// (× · ÷ − π); anything else is an error naming the character and its column.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tinyllm::calculator {

enum class TokenKind {
    number,     // text: the literal as written
    identifier, // text: the name (π becomes "pi")
    plus,
    minus,
    star,
    slash,
    percent,
    caret, // ^ and **
    bang,
    lparen,
    rparen,
    comma,
    end,
};

struct Token {
    TokenKind kind = TokenKind::end;
    std::string text;  // as written in the input (for messages), or the normalised name
    size_t column = 0; // 1-based, in characters
};

// The text to show for a token in an error message: 'x', or "end of input".
std::string describe(const Token &token);

// Throws CalcError for characters that cannot start a token and for malformed numbers.
std::vector<Token> tokenize(std::string_view input);

} // namespace tinyllm::calculator
