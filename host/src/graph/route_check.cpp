// The route analysis walks the parsed form of condition_ast.hpp.
#include "graph/route_check.hpp"
#include "graph/condition_ast.hpp"

#include <algorithm>

namespace tinyllm::graph {

namespace {

using Routes = std::optional<std::set<std::string>>; // nullopt = any route

class RouteAnalysis {
public:
    explicit RouteAnalysis(const Condition::Impl &c) : c_(c) {}

    // Comparisons are where literals meet `route`; the nodes vector holds every one of them.
    std::vector<RouteLiteral> literals() const {
        std::vector<RouteLiteral> out;
        for (const ExprNode &node : c_.nodes) {
            switch (node.kind) {
            case NodeKind::eq:
            case NodeKind::ne:
                if (is_route(node.a)) add_string(node.b, out);
                if (is_route(node.b)) add_string(node.a, out);
                break;
            case NodeKind::in:
            case NodeKind::not_in:
                if (is_route(node.a)) add_list(node.b, out);
                break;
            default: break;
            }
        }
        // Nodes are stored as they are completed, not in text order.
        std::stable_sort(out.begin(), out.end(), [](const RouteLiteral &x, const RouteLiteral &y) {
            return x.offset < y.offset;
        });
        return out;
    }

    Routes accepts(uint32_t index) const {
        const ExprNode &node = c_.nodes[index];
        switch (node.kind) {
        case NodeKind::eq:
            if (is_route(node.a) && literal(node.b)) return equal_to(*literal(node.b));
            if (is_route(node.b) && literal(node.a)) return equal_to(*literal(node.a));
            return std::nullopt;
        case NodeKind::in:
            if (is_route(node.a) && literal(node.b)) return member_of(*literal(node.b));
            return std::nullopt;
        case NodeKind::and_: {
            Routes all;
            for (uint32_t i = node.a; i < node.b; ++i) {
                Routes routes = accepts(c_.children[i]);
                if (!routes) continue; // says nothing about the route
                if (!all) {
                    all = std::move(routes);
                    continue;
                }
                std::erase_if(*all, [&](const std::string &r) { return routes->count(r) == 0; });
            }
            return all;
        }
        case NodeKind::or_: {
            std::set<std::string> any;
            for (uint32_t i = node.a; i < node.b; ++i) {
                const Routes routes = accepts(c_.children[i]);
                if (!routes) return std::nullopt;
                any.insert(routes->begin(), routes->end());
            }
            return any;
        }
        // not, !=, not in: the complement would do, but a wrong "provably never" is an error
        // the user cannot argue with, so these stay "any".
        default: return std::nullopt;
        }
    }

private:
    bool is_route(uint32_t index) const {
        const ExprNode &node = c_.nodes[index];
        return node.kind == NodeKind::field && node.b == node.a + 1 &&
               c_.segments[node.a] == "route";
    }

    const json::Value *literal(uint32_t index) const {
        const ExprNode &node = c_.nodes[index];
        return node.kind == NodeKind::literal ? &c_.literals[node.a] : nullptr;
    }

    void add_string(uint32_t index, std::vector<RouteLiteral> &out) const {
        const json::Value *value = literal(index);
        if (value == nullptr || !value->IsString()) return;
        out.push_back({{value->GetString(), value->GetStringLength()}, c_.nodes[index].offset});
    }

    void add_list(uint32_t index, std::vector<RouteLiteral> &out) const {
        const json::Value *value = literal(index);
        if (value == nullptr || !value->IsArray()) return;
        for (const json::Value &element : value->GetArray()) {
            if (!element.IsString()) continue;
            out.push_back(
                {{element.GetString(), element.GetStringLength()}, c_.nodes[index].offset});
        }
    }

    // Routes are strings: `route == null` or `route == 3` holds for none of them.
    static std::set<std::string> equal_to(const json::Value &value) {
        if (!value.IsString()) return {};
        return {std::string(value.GetString(), value.GetStringLength())};
    }

    static std::set<std::string> member_of(const json::Value &list) {
        std::set<std::string> routes;
        if (!list.IsArray()) return routes; // the parser allows only lists; be safe anyway
        for (const json::Value &element : list.GetArray()) {
            if (element.IsString()) routes.emplace(element.GetString(), element.GetStringLength());
        }
        return routes;
    }

public:
    // Whether the node tests the route and nothing else.
    bool exact(uint32_t index) const {
        const ExprNode &node = c_.nodes[index];
        switch (node.kind) {
        case NodeKind::eq:
            return (is_route(node.a) && literal(node.b)) || (is_route(node.b) && literal(node.a));
        case NodeKind::in: return is_route(node.a) && literal(node.b);
        case NodeKind::and_:
        case NodeKind::or_:
            for (uint32_t i = node.a; i < node.b; ++i) {
                if (!exact(c_.children[i])) return false;
            }
            return true;
        default: return false;
        }
    }

private:
    const Condition::Impl &c_;
};

bool takes(const RouteTest &test, const std::string &route) {
    return !test.accepts || test.accepts->count(route) != 0;
}

} // namespace

RouteTest route_test(const Condition &condition) {
    const RouteAnalysis analysis(condition.impl());
    const uint32_t root = condition.impl().root;
    return {analysis.literals(), analysis.accepts(root), analysis.exact(root)};
}

RouteTest route_test(const Edge &edge) {
    if (edge.is_else || !edge.when) return {{}, std::nullopt, true};
    return route_test(*edge.when);
}

bool routes_always_taken(const std::vector<std::string> &declared, std::span<const Edge> out) {
    for (const std::string &route : declared) {
        const bool taken = std::any_of(out.begin(), out.end(), [&](const Edge &edge) {
            const RouteTest test = route_test(edge);
            return test.exact && takes(test, route);
        });
        if (!taken) return false;
    }
    return true;
}

std::optional<RouteProblem> check_routes(const std::vector<std::string> &declared,
                                         std::span<const Edge> out) {
    const std::set<std::string> known(declared.begin(), declared.end());
    std::vector<RouteTest> tests;
    for (size_t e = 0; e < out.size(); ++e) {
        tests.push_back(route_test(out[e]));
        for (const RouteLiteral &literal : tests.back().literals) {
            if (known.count(literal.value) != 0) continue;
            return RouteProblem{RouteProblem::Kind::unknown_route, literal.value, e,
                                literal.offset};
        }
    }
    for (const std::string &route : declared) {
        if (out.empty()) break; // an exit: whatever it returns ends the run
        const bool taken = std::any_of(tests.begin(), tests.end(),
                                       [&](const RouteTest &t) { return takes(t, route); });
        if (!taken) return RouteProblem{RouteProblem::Kind::untaken_route, route, 0, 0};
    }
    return std::nullopt;
}

} // namespace tinyllm::graph
