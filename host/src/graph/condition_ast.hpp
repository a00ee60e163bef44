// The parsed form of a Condition, shared by the parser (condition_parser.cpp) and the evaluator
// (condition.cpp). Internal to the graph code.
#pragma once

#include "graph/condition.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tinyllm::graph {

enum class NodeKind : uint8_t {
    literal, // a: index into literals
    field,   // [a, b): range of segments
    not_,    // a: operand node
    and_,    // [a, b): range of children (a chain of two or more, left to right)
    or_,     // [a, b): range of children
    eq,      // a, b: left and right nodes
    ne,
    lt,
    le,
    gt,
    ge,
    in,
    not_in,
};

struct ExprNode {
    NodeKind kind;
    uint32_t a = 0;
    uint32_t b = 0;
    uint32_t offset = 0; // where the node starts in the text
};

// Nodes live in one vector and refer to each other by index; the root is the last node built.
// Literal values (strings, lists) live in `allocator`, which outlives them.
struct Condition::Impl {
    std::string text;
    json::Allocator allocator;
    std::vector<json::Value> literals;
    std::vector<std::string> segments; // field paths, pre-split
    std::vector<uint32_t> children;    // operands of and/or chains
    std::vector<ExprNode> nodes;
    uint32_t root = 0;
};

} // namespace tinyllm::graph
