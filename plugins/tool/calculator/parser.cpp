#include "parser.hpp"

#include "error.hpp"

namespace tinyllm::calculator {

namespace {

std::string at(size_t column) {
    return "at column " + std::to_string(column) + ": ";
}

class Parser {
public:
    Parser(const std::vector<Token> &tokens, size_t max_depth)
        : tokens_(tokens), max_depth_(max_depth) {}

    Node run() {
        Node root = expression();
        const Token &t = peek();
        if (t.kind == TokenKind::rparen) {
            throw CalcError(t.column, at(t.column) + "unmatched ')'");
        }
        expect_end_of_operand("end of input");
        return root;
    }

private:
    const Token &peek() const { return tokens_[pos_]; }
    const Token &take() { return tokens_[pos_++]; }

    // After a complete operand only an operator, ')' or ',' may follow: say precisely what is
    // wrong when something else does.
    void expect_end_of_operand(const std::string &expected) {
        const Token &t = peek();
        switch (t.kind) {
        case TokenKind::end:
            if (expected == "end of input") return;
            break;
        case TokenKind::number:
        case TokenKind::identifier:
        case TokenKind::lparen:
            throw CalcError(t.column, at(t.column) + "missing operator before " + describe(t) +
                                          " (implicit multiplication is not supported: write *)");
        case TokenKind::comma:
            if (expected == "end of input") {
                throw CalcError(t.column,
                                at(t.column) +
                                    "',' outside a function call (digit grouping like 1,000 is "
                                    "not supported)");
            }
            return;
        default: return;
        }
        throw CalcError(t.column, at(t.column) + "expected " + expected + ", got " + describe(t));
    }

    Node expression() {
        return chain(TokenKind::plus, TokenKind::minus, TokenKind::plus, [this] { return term(); });
    }

    Node term() {
        return chain(TokenKind::star, TokenKind::slash, TokenKind::percent,
                     [this] { return unary(); });
    }

    template <class Operand> Node chain(TokenKind a, TokenKind b, TokenKind c, Operand operand) {
        Node first = operand();
        if (peek().kind != a && peek().kind != b && peek().kind != c) return first;
        Node node;
        node.kind = NodeKind::chain;
        node.column = first.column;
        node.children.push_back(std::move(first));
        while (peek().kind == a || peek().kind == b || peek().kind == c) {
            const Token &op = take();
            node.ops.push_back(op.kind);
            node.op_columns.push_back(op.column);
            node.children.push_back(operand());
        }
        return node;
    }

    struct DepthGuard {
        DepthGuard(Parser &p, size_t column) : p(p) {
            if (++p.depth_ > p.max_depth_) p.too_deep(column);
        }
        ~DepthGuard() { --p.depth_; }
        DepthGuard(const DepthGuard &) = delete;
        DepthGuard &operator=(const DepthGuard &) = delete;
        Parser &p;
    };

    [[noreturn]] void too_deep(size_t column) const {
        throw CalcError(column, at(column) + "expression nested too deeply (more than " +
                                    std::to_string(max_depth_) + " levels)");
    }

    Node unary() {
        DepthGuard guard(*this, peek().column);
        const Token &t = peek();
        if (t.kind == TokenKind::minus || t.kind == TokenKind::plus) {
            take();
            Node operand = unary();
            if (t.kind == TokenKind::plus) return operand;
            Node node;
            node.kind = NodeKind::negate;
            node.column = t.column;
            node.children.push_back(std::move(operand));
            return node;
        }
        return power();
    }

    Node power() {
        Node base = postfix();
        if (peek().kind != TokenKind::caret) return base;
        const Token &op = take();
        Node node;
        node.kind = NodeKind::power;
        node.column = op.column;
        node.children.push_back(std::move(base));
        node.children.push_back(unary()); // right-associative, and 2^-3 is allowed
        return node;
    }

    Node postfix() {
        Node node = primary();
        size_t extra_depth = 0;
        while (peek().kind == TokenKind::bang) {
            const Token &op = take();
            if (depth_ + ++extra_depth > max_depth_) too_deep(op.column);
            Node f;
            f.kind = NodeKind::factorial;
            f.column = op.column;
            f.children.push_back(std::move(node));
            node = std::move(f);
        }
        return node;
    }

    Node primary() {
        const Token &t = take();
        Node node;
        node.column = t.column;
        switch (t.kind) {
        case TokenKind::number:
            node.kind = NodeKind::number;
            node.text = t.text;
            return node;
        case TokenKind::identifier:
            node.text = t.text;
            if (peek().kind != TokenKind::lparen) {
                node.kind = NodeKind::name;
                return node;
            }
            node.kind = NodeKind::call;
            arguments(node, take());
            return node;
        case TokenKind::lparen: {
            Node inner = expression();
            close(t);
            return inner;
        }
        default: break;
        }
        std::string message =
            at(t.column) + "expected a number, '(' or a function, got " + describe(t);
        if (t.kind == TokenKind::end && pos_ >= 2 && tokens_[pos_ - 2].kind == TokenKind::percent) {
            message += " (% is the remainder operator; for a percentage divide by 100)";
        }
        throw CalcError(t.column, message);
    }

    void arguments(Node &call, const Token &open) {
        if (peek().kind == TokenKind::rparen) {
            take();
            return;
        }
        for (;;) {
            call.children.push_back(expression());
            if (peek().kind != TokenKind::comma) break;
            take();
        }
        close(open);
    }

    void close(const Token &open) {
        const Token &t = peek();
        if (t.kind == TokenKind::rparen) {
            take();
            return;
        }
        if (t.kind == TokenKind::end) {
            throw CalcError(t.column, at(t.column) + "missing ')' to close the '(' at column " +
                                          std::to_string(open.column));
        }
        expect_end_of_operand("')'");
        throw CalcError(t.column, at(t.column) + "expected ')', got " + describe(t));
    }

    const std::vector<Token> &tokens_;
    size_t max_depth_;
    size_t pos_ = 0;
    size_t depth_ = 0;
};

} // namespace

Node parse(const std::vector<Token> &tokens, size_t max_depth) {
    return Parser(tokens, max_depth).run();
}

} // namespace tinyllm::calculator
