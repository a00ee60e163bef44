// Recursive-descent parser from tokens to an AST. Precedence, loosest first:
//   + -  (left)   * / %  (left)   unary - +   ^ (right; its right operand may be signed)   !
// Left-associative runs are one n-ary node, so a long sum never makes a deep tree: the depth of
// the tree (and of every recursion over it) is bounded by the nesting limit.
#pragma once

#include "lexer.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace tinyllm::calculator {

enum class NodeKind {
    number,    // text: the literal
    name,      // text: a constant's name
    call,      // text: the function's name; children: the arguments
    negate,    // children[0]
    chain,     // children[0] ops[0] children[1] ops[1] ... (+ - or * / %)
    power,     // children[0] ^ children[1]
    factorial, // children[0]!
};

struct Node {
    NodeKind kind = NodeKind::number;
    size_t column = 0; // of the literal, the name or the operator
    std::string text;
    std::vector<Node> children;
    std::vector<TokenKind> ops;     // chain only
    std::vector<size_t> op_columns; // chain only
};

// Parses a whole expression; throws CalcError on syntax errors and when parentheses, signs,
// powers or factorials nest more than `max_depth` levels.
Node parse(const std::vector<Token> &tokens, size_t max_depth);

} // namespace tinyllm::calculator
