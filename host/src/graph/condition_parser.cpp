// Condition::parse: a recursive-descent parser over ConditionLexer, building the flat node
// vector of condition_ast.hpp. The grammar (see condition.hpp for the language):
//
//   condition := or END
//   or        := and (('or' | '||') and)*
//   and       := cmp (('and' | '&&') cmp)*
//   cmp       := unary (cmp_op unary)*
//   cmp_op    := '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not' 'in'
//   unary     := ('not' | '!') unary | primary
//   primary   := '(' or ')' | literal | FIELD
//   literal   := STRING | NUMBER | 'true' | 'false' | 'null' | list
//   list      := '[' (literal (',' literal)*)? ']'
#include "graph/condition.hpp"
#include "graph/condition_ast.hpp"
#include "graph/condition_lexer.hpp"

#include <charconv>
#include <deque>
#include <limits>

namespace tinyllm::graph {
namespace {

bool starts_literal(TokenKind kind) {
    switch (kind) {
    case TokenKind::string:
    case TokenKind::number:
    case TokenKind::kw_true:
    case TokenKind::kw_false:
    case TokenKind::kw_null:
    case TokenKind::lbracket: return true;
    default: return false;
    }
}

bool is_keyword_operator(TokenKind kind) {
    return kind == TokenKind::kw_and || kind == TokenKind::kw_or || kind == TokenKind::kw_in;
}

class Parser {
public:
    Parser(Condition::Impl &impl) : impl_(impl), lexer_(impl.text) {}

    uint32_t parse_condition() {
        const uint32_t root = parse_or();
        const Token &t = peek();
        if (t.kind == TokenKind::rparen) {
            throw ConditionError(t.offset, "unexpected ')' without a matching '('");
        }
        if (t.kind != TokenKind::end) {
            throw ConditionError(t.offset,
                                 "expected an operator or end of condition, found " + describe(t));
        }
        return root;
    }

private:
    const Token &peek(size_t ahead = 0) {
        while (lookahead_.size() <= ahead)
            lookahead_.push_back(lexer_.next());
        return lookahead_[ahead];
    }

    Token take() {
        peek();
        Token t = std::move(lookahead_.front());
        lookahead_.pop_front();
        previous_ = t.spelling;
        return t;
    }

    void enter(size_t offset) {
        if (++depth_ > Condition::max_depth) {
            throw ConditionError(offset, "nesting deeper than " +
                                             std::to_string(Condition::max_depth) + " levels");
        }
    }
    void leave() { --depth_; }

    uint32_t add(NodeKind kind, uint32_t a, uint32_t b, size_t offset) {
        impl_.nodes.push_back(ExprNode{kind, a, b, static_cast<uint32_t>(offset)});
        return static_cast<uint32_t>(impl_.nodes.size() - 1);
    }

    template <typename IsOperator, typename Operand>
    uint32_t parse_chain(NodeKind kind, IsOperator is_operator, Operand operand) {
        const uint32_t first = operand();
        if (!is_operator(peek().kind)) return first;
        std::vector<uint32_t> chain{first};
        while (is_operator(peek().kind)) {
            take();
            chain.push_back(operand());
        }
        const auto begin = static_cast<uint32_t>(impl_.children.size());
        impl_.children.insert(impl_.children.end(), chain.begin(), chain.end());
        return add(kind, begin, static_cast<uint32_t>(impl_.children.size()),
                   impl_.nodes[first].offset);
    }

    uint32_t parse_or() {
        return parse_chain(
            NodeKind::or_,
            [](TokenKind k) { return k == TokenKind::kw_or || k == TokenKind::or_or; },
            [this] { return parse_and(); });
    }

    uint32_t parse_and() {
        return parse_chain(
            NodeKind::and_,
            [](TokenKind k) { return k == TokenKind::kw_and || k == TokenKind::and_and; },
            [this] { return parse_not(); });
    }

    // `not` binds looser than comparisons, as in Python: `not route == "math"` is
    // `not (route == "math")`.
    uint32_t parse_not() {
        const TokenKind kind = peek().kind;
        if (kind != TokenKind::kw_not && kind != TokenKind::bang) return parse_cmp();
        const Token op = take();
        enter(op.offset);
        const uint32_t operand = parse_not();
        leave();
        return add(NodeKind::not_, operand, 0, op.offset);
    }

    uint32_t parse_cmp() {
        uint32_t left = parse_primary();
        for (;;) {
            NodeKind kind;
            switch (peek().kind) {
            case TokenKind::eq: kind = NodeKind::eq; break;
            case TokenKind::ne: kind = NodeKind::ne; break;
            case TokenKind::lt: kind = NodeKind::lt; break;
            case TokenKind::le: kind = NodeKind::le; break;
            case TokenKind::gt: kind = NodeKind::gt; break;
            case TokenKind::ge: kind = NodeKind::ge; break;
            case TokenKind::kw_in: kind = NodeKind::in; break;
            case TokenKind::kw_not:
                if (peek(1).kind != TokenKind::kw_in) {
                    throw ConditionError(peek(1).offset,
                                         "expected 'in' after 'not', found " + describe(peek(1)));
                }
                take();
                kind = NodeKind::not_in;
                break;
            default: return left;
            }
            take();
            const uint32_t right = parse_primary();
            if (kind == NodeKind::in || kind == NodeKind::not_in) check_container(right);
            left = add(kind, left, right, impl_.nodes[left].offset);
        }
    }

    // The right side of `in` must be a list literal or a field.
    void check_container(uint32_t index) const {
        const ExprNode &node = impl_.nodes[index];
        if (node.kind == NodeKind::field) return;
        std::string found = "an expression";
        if (node.kind == NodeKind::literal) {
            const json::Value &value = impl_.literals[node.a];
            if (value.IsArray()) return;
            found = json::to_string(value); // true, false, null
            if (value.IsNumber()) found = "number " + found;
            if (value.IsString()) found = "string " + found;
        }
        throw ConditionError(node.offset, "expected a list or a field after 'in', found " + found);
    }

    uint32_t parse_primary() {
        const Token &t = peek();
        if (t.kind == TokenKind::lparen) {
            const size_t open = t.offset;
            take();
            enter(open);
            const uint32_t inner = parse_or();
            const Token &close = peek();
            if (close.kind != TokenKind::rparen) {
                throw ConditionError(close.offset, "expected ')' to close the '(' at offset " +
                                                       std::to_string(open) + ", found " +
                                                       describe(close));
            }
            take();
            leave();
            return inner;
        }
        if (starts_literal(t.kind)) {
            const size_t offset = t.offset;
            json::Value value;
            parse_literal(value);
            impl_.literals.push_back(std::move(value));
            return add(NodeKind::literal, static_cast<uint32_t>(impl_.literals.size() - 1), 0,
                       offset);
        }
        if (t.kind == TokenKind::field) {
            const Token field = take();
            const auto begin = static_cast<uint32_t>(impl_.segments.size());
            std::string_view path = field.spelling;
            for (;;) {
                const size_t dot = path.find('.');
                impl_.segments.emplace_back(path.substr(0, dot));
                if (dot == std::string_view::npos) break;
                path.remove_prefix(dot + 1);
            }
            return add(NodeKind::field, begin, static_cast<uint32_t>(impl_.segments.size()),
                       field.offset);
        }
        std::string message = "expected an operand";
        if (!previous_.empty()) message += " after '" + std::string(previous_) + "'";
        message += ", found " + describe(t);
        if (is_keyword_operator(t.kind)) message += " (keywords cannot be field names)";
        throw ConditionError(t.offset, message);
    }

    void parse_literal(json::Value &out) {
        const Token t = take();
        switch (t.kind) {
        case TokenKind::string:
            out.SetString(t.value.data(), static_cast<rapidjson::SizeType>(t.value.size()),
                          impl_.allocator);
            return;
        case TokenKind::number: parse_number(t, out); return;
        case TokenKind::kw_true: out.SetBool(true); return;
        case TokenKind::kw_false: out.SetBool(false); return;
        case TokenKind::kw_null: out.SetNull(); return;
        case TokenKind::lbracket: break;
        default: throw ConditionError(t.offset, "expected a literal, found " + describe(t));
        }
        enter(t.offset);
        out.SetArray();
        if (peek().kind == TokenKind::rbracket) {
            take();
            leave();
            return;
        }
        for (;;) {
            const Token &element = peek();
            if (!starts_literal(element.kind)) {
                std::string message = "expected a literal";
                message += previous_ == "," ? " after ','" : " in the list";
                message += ", found " + describe(element);
                if (element.kind == TokenKind::field) message += " (lists hold only literals)";
                throw ConditionError(element.offset, message);
            }
            json::Value value;
            parse_literal(value);
            out.PushBack(value, impl_.allocator);
            const Token &separator = peek();
            if (separator.kind == TokenKind::rbracket) break;
            if (separator.kind != TokenKind::comma) {
                throw ConditionError(separator.offset,
                                     "expected ',' or ']' to close the '[' at offset " +
                                         std::to_string(t.offset) + ", found " +
                                         describe(separator));
            }
            take();
        }
        take();
        leave();
    }

    static void parse_number(const Token &t, json::Value &out) {
        const char *first = t.spelling.data();
        const char *last = first + t.spelling.size();
        if (t.spelling.find_first_of(".eE") == std::string_view::npos) {
            int64_t i = 0;
            if (auto [end, ec] = std::from_chars(first, last, i);
                ec == std::errc() && end == last) {
                out.SetInt64(i);
                return;
            }
            uint64_t u = 0;
            if (auto [end, ec] = std::from_chars(first, last, u);
                ec == std::errc() && end == last) {
                out.SetUint64(u);
                return;
            }
        }
        double d = 0;
        const auto [end, ec] = std::from_chars(first, last, d);
        if (ec != std::errc() || end != last || d == std::numeric_limits<double>::infinity() ||
            d == -std::numeric_limits<double>::infinity()) {
            throw ConditionError(t.offset,
                                 "number " + std::string(t.spelling) + " is out of range");
        }
        out.SetDouble(d);
    }

    Condition::Impl &impl_;
    ConditionLexer lexer_;
    std::deque<Token> lookahead_;
    std::string_view previous_;
    size_t depth_ = 0;
};

} // namespace

Condition Condition::parse(std::string_view text) {
    if (text.size() > max_length) {
        throw ConditionError(max_length, "condition is " + std::to_string(text.size()) +
                                             " bytes long; the limit is " +
                                             std::to_string(max_length));
    }
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        throw ConditionError(0, "empty condition");
    }
    auto impl = std::make_shared<Impl>();
    impl->text = std::string(text);
    impl->root = Parser(*impl).parse_condition();
    return Condition(std::move(impl));
}

} // namespace tinyllm::graph
