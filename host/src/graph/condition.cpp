// Condition evaluation, canonical printing and field listing over the parsed form of
// condition_ast.hpp. Evaluation allocates nothing: field paths are pre-split and literals are
// pre-built JSON values, compared in place against the message's.
#include "graph/condition.hpp"
#include "graph/condition_ast.hpp"

#include <algorithm>
#include <compare>
#include <cstdint>
#include <cstring>

namespace tinyllm::graph {

ConditionError::ConditionError(size_t offset_, const std::string &detail_)
    : Error(ErrorCode::config, "offset " + std::to_string(offset_) + ": " + detail_),
      offset(offset_), detail(detail_) {}

namespace {

const json::Value null_value;
const json::Value true_value(true);
const json::Value false_value(false);

bool truthy(const json::Value &v) noexcept {
    switch (v.GetType()) {
    case rapidjson::kNullType:
    case rapidjson::kFalseType: return false;
    case rapidjson::kTrueType: return true;
    case rapidjson::kStringType: return v.GetStringLength() != 0;
    case rapidjson::kArrayType: return !v.Empty();
    case rapidjson::kObjectType: return v.MemberCount() != 0;
    case rapidjson::kNumberType:
        if (v.IsDouble()) return v.GetDouble() != 0.0;
        return v.IsInt64() ? v.GetInt64() != 0 : v.GetUint64() != 0;
    }
    return false;
}

std::string_view string_of(const json::Value &v) noexcept {
    return {v.GetString(), v.GetStringLength()};
}

// Exact for two integers (whatever their signs and sizes), as doubles otherwise.
std::partial_ordering compare_numbers(const json::Value &a, const json::Value &b) noexcept {
    if (!a.IsDouble() && !b.IsDouble()) {
        if (a.IsInt64() && b.IsInt64()) return a.GetInt64() <=> b.GetInt64();
        if (a.IsUint64() && b.IsUint64()) return a.GetUint64() <=> b.GetUint64();
        // One is negative, the other above INT64_MAX.
        return a.IsInt64() ? std::partial_ordering::less : std::partial_ordering::greater;
    }
    return a.GetDouble() <=> b.GetDouble();
}

bool equal(const json::Value &a, const json::Value &b) noexcept {
    if (a.IsNumber() && b.IsNumber()) return compare_numbers(a, b) == 0;
    if (a.GetType() != b.GetType()) return false;
    switch (a.GetType()) {
    case rapidjson::kStringType: return string_of(a) == string_of(b);
    case rapidjson::kArrayType:
        if (a.Size() != b.Size()) return false;
        for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
            if (!equal(a[i], b[i])) return false;
        }
        return true;
    case rapidjson::kObjectType:
        if (a.MemberCount() != b.MemberCount()) return false;
        for (const auto &member : a.GetObject()) {
            const auto it = b.FindMember(member.name);
            if (it == b.MemberEnd() || !equal(member.value, it->value)) return false;
        }
        return true;
    default: return true; // null, true, false: the type is the value
    }
}

std::partial_ordering order(const json::Value &a, const json::Value &b) noexcept {
    if (a.IsNumber() && b.IsNumber()) return compare_numbers(a, b);
    if (a.IsString() && b.IsString()) return string_of(a) <=> string_of(b);
    return std::partial_ordering::unordered;
}

bool contains(const json::Value &item, const json::Value &container) noexcept {
    if (container.IsArray()) {
        for (const auto &element : container.GetArray()) {
            if (equal(item, element)) return true;
        }
        return false;
    }
    if (item.IsString() && container.IsString()) {
        return string_of(container).find(string_of(item)) != std::string_view::npos;
    }
    return false;
}

class Evaluator {
public:
    Evaluator(const Condition::Impl &impl, const json::Value &message) noexcept
        : impl_(impl), message_(message) {}

    bool test(uint32_t index) const noexcept {
        const ExprNode &node = impl_.nodes[index];
        switch (node.kind) {
        case NodeKind::literal:
        case NodeKind::field: return truthy(value(index));
        case NodeKind::not_: return !test(node.a);
        case NodeKind::and_:
            for (uint32_t i = node.a; i < node.b; ++i) {
                if (!test(impl_.children[i])) return false;
            }
            return true;
        case NodeKind::or_:
            for (uint32_t i = node.a; i < node.b; ++i) {
                if (test(impl_.children[i])) return true;
            }
            return false;
        case NodeKind::eq: return equal(value(node.a), value(node.b));
        case NodeKind::ne: return !equal(value(node.a), value(node.b));
        case NodeKind::lt: return order(value(node.a), value(node.b)) < 0;
        case NodeKind::le: return order(value(node.a), value(node.b)) <= 0;
        case NodeKind::gt: return order(value(node.a), value(node.b)) > 0;
        case NodeKind::ge: return order(value(node.a), value(node.b)) >= 0;
        case NodeKind::in: return contains(value(node.a), value(node.b));
        case NodeKind::not_in: return !contains(value(node.a), value(node.b));
        }
        return false;
    }

private:
    const json::Value &value(uint32_t index) const noexcept {
        const ExprNode &node = impl_.nodes[index];
        if (node.kind == NodeKind::literal) return impl_.literals[node.a];
        if (node.kind == NodeKind::field) return resolve(node);
        return test(index) ? true_value : false_value;
    }

    const json::Value &resolve(const ExprNode &node) const noexcept {
        const json::Value *current = &message_;
        for (uint32_t i = node.a; i < node.b; ++i) {
            if (!current->IsObject()) return null_value;
            const std::string &segment = impl_.segments[i];
            const json::Value key(rapidjson::StringRef(
                segment.data(), static_cast<rapidjson::SizeType>(segment.size())));
            const auto it = current->FindMember(key);
            if (it == current->MemberEnd()) return null_value;
            current = &it->value;
        }
        return *current;
    }

    const Condition::Impl &impl_;
    const json::Value &message_;
};

void print_value(const json::Value &v, std::string &out) {
    switch (v.GetType()) {
    case rapidjson::kStringType:
        out += '"';
        for (const char c : string_of(v)) {
            switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default: out += c;
            }
        }
        out += '"';
        return;
    case rapidjson::kArrayType: {
        out += '[';
        const char *separator = "";
        for (const auto &element : v.GetArray()) {
            out += separator;
            print_value(element, out);
            separator = ", ";
        }
        out += ']';
        return;
    }
    default: out += json::to_string(v); // null, booleans, numbers (1.0 stays a decimal)
    }
}

const char *operator_name(NodeKind kind) {
    switch (kind) {
    case NodeKind::and_: return " and ";
    case NodeKind::or_: return " or ";
    case NodeKind::eq: return " == ";
    case NodeKind::ne: return " != ";
    case NodeKind::lt: return " < ";
    case NodeKind::le: return " <= ";
    case NodeKind::gt: return " > ";
    case NodeKind::ge: return " >= ";
    case NodeKind::in: return " in ";
    case NodeKind::not_in: return " not in ";
    default: return " ? ";
    }
}

void print_path(const Condition::Impl &impl, const ExprNode &node, std::string &out) {
    for (uint32_t i = node.a; i < node.b; ++i) {
        if (i != node.a) out += '.';
        out += impl.segments[i];
    }
}

void print(const Condition::Impl &impl, uint32_t index, std::string &out) {
    const ExprNode &node = impl.nodes[index];
    switch (node.kind) {
    case NodeKind::literal: print_value(impl.literals[node.a], out); return;
    case NodeKind::field: print_path(impl, node, out); return;
    case NodeKind::not_:
        out += "(not ";
        print(impl, node.a, out);
        out += ')';
        return;
    case NodeKind::and_:
    case NodeKind::or_:
        // One group per chain: `a or b or c` is (a or b or c), as and/or are associative (and
        // as deep nesting of a long chain would break the depth limit when parsed again).
        out += '(';
        for (uint32_t i = node.a; i < node.b; ++i) {
            if (i != node.a) out += operator_name(node.kind);
            print(impl, impl.children[i], out);
        }
        out += ')';
        return;
    default:
        out += '(';
        print(impl, node.a, out);
        out += operator_name(node.kind);
        print(impl, node.b, out);
        out += ')';
    }
}

} // namespace

bool Condition::evaluate(const json::Value &message) const noexcept {
    return Evaluator(*impl_, message).test(impl_->root);
}

const std::string &Condition::text() const noexcept {
    return impl_->text;
}

std::vector<std::string> Condition::fields() const {
    std::vector<std::string> paths;
    for (const ExprNode &node : impl_->nodes) { // leaves are in text order
        if (node.kind != NodeKind::field) continue;
        std::string path;
        print_path(*impl_, node, path);
        if (std::find(paths.begin(), paths.end(), path) == paths.end()) {
            paths.push_back(std::move(path));
        }
    }
    return paths;
}

std::string Condition::to_string() const {
    std::string out;
    print(*impl_, impl_->root, out);
    return out;
}

} // namespace tinyllm::graph
