#include "graph/graph_render.hpp"

#include "graph/graph_def.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace tinyllm::graph {

namespace {

bool is_entry(const GraphDef &def, const NodeDef &node) {
    return node.id == def.entry;
}

bool is_exit(const GraphDef &def, const NodeDef &node) {
    return std::find(def.exits.begin(), def.exits.end(), node.id) != def.exits.end();
}

std::string join(const std::vector<std::string> &items, std::string_view separator) {
    std::string out;
    for (const std::string &item : items) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

std::string pad(const std::string &text, size_t width) {
    return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

// ---- text -----------------------------------------------------------------------------------

// Marks and the settings that differ from their defaults: what a reader needs to know.
std::vector<std::string> node_attributes(const GraphDef &def, const NodeDef &node) {
    std::vector<std::string> out;
    if (is_entry(def, node)) out.emplace_back("entry");
    if (is_exit(def, node)) out.emplace_back("exit");
    // Writing the answer is the default for exits; say it where it differs.
    if (node.answer && *node.answer != is_exit(def, node)) {
        out.emplace_back(*node.answer ? "answer" : "no answer");
    }
    if (node.max_visits != 0) out.push_back("max_visits " + std::to_string(node.max_visits));
    if (node.join != JoinMode::none) out.push_back("join " + std::string(to_string(node.join)));
    if (node.timeout_ms != 0) out.push_back("timeout_ms " + std::to_string(node.timeout_ms));
    if (node.retry.max_attempts > 1) {
        out.push_back("retry " + std::to_string(node.retry.max_attempts) + " attempts, backoff " +
                      std::to_string(node.retry.backoff_ms) + ".." +
                      std::to_string(node.retry.max_backoff_ms) + " ms");
    }
    if (node.config && node.config->IsObject() && node.config->MemberCount() != 0) {
        out.push_back("config " + json::to_string(*node.config));
    }
    return out;
}

std::string edge_text(const EdgeDef &edge) {
    if (edge.when.empty()) return "";
    if (edge.when == "else") return "else";
    return "when " + edge.when;
}

void text_header(std::ostringstream &out, const GraphDef &def) {
    out << "graph " << def.id << " " << def.version << "\n";
    if (!def.description.empty()) out << "  " << def.description << "\n";
    out << "entry: " << def.entry << "\n";
    out << "exits: " << join(def.exits, ", ") << "\n";
    out << "limits: max_steps " << def.limits.max_steps << ", timeout_ms " << def.limits.timeout_ms
        << "\n";
}

void text_nodes(std::ostringstream &out, const GraphDef &def) {
    size_t id_width = 0, type_width = 0;
    for (const NodeDef &node : def.nodes) {
        id_width = std::max(id_width, node.id.size());
        type_width = std::max(type_width, node.type.size());
    }
    out << "\nnodes:\n";
    for (const NodeDef &node : def.nodes) {
        const std::string attributes = join(node_attributes(def, node), ", ");
        std::string line = "  " + pad(node.id, id_width) + "  " +
                           (attributes.empty() ? node.type : pad(node.type, type_width));
        if (!attributes.empty()) line += "  " + attributes;
        out << line << "\n";
    }
}

void text_edges(std::ostringstream &out, const GraphDef &def) {
    if (def.edges.empty()) return;
    size_t width = 0;
    for (const EdgeDef &edge : def.edges) {
        width = std::max(width, edge.from.size() + 4 + edge.to.size());
    }
    out << "\nedges:\n";
    for (const EdgeDef &edge : def.edges) {
        const std::string arrow = edge.from + " -> " + edge.to;
        const std::string condition = edge_text(edge);
        out << "  " << (condition.empty() ? arrow : pad(arrow, width) + "  " + condition) << "\n";
    }
}

std::string render_text(const GraphDef &def) {
    std::ostringstream out;
    text_header(out, def);
    text_nodes(out, def);
    text_edges(out, def);
    return out.str();
}

// ---- mermaid --------------------------------------------------------------------------------

// Text inside a quoted Mermaid label: quotes, angle brackets and the characters Mermaid gives
// a meaning even inside quotes become entity codes ('#' first, as it starts them).
std::string mermaid_escape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
        case '#': out += "#35;"; break;
        case '"': out += "#quot;"; break;
        case '<': out += "#lt;"; break;
        case '>': out += "#gt;"; break;
        case '|': out += "#124;"; break;
        case '`': out += "#96;"; break;
        case '\n': out += "<br/>"; break;
        default: out += c;
        }
    }
    return out;
}

// Node ids may be Mermaid keywords (`end`) or contain '-', so boxes get neutral ids n0, n1...
std::string mermaid_id(const GraphDef &def, const std::string &node_id) {
    for (size_t i = 0; i < def.nodes.size(); ++i) {
        if (def.nodes[i].id == node_id) return "n" + std::to_string(i);
    }
    return "unknown_" + node_id;
}

std::string render_mermaid(const GraphDef &def) {
    std::ostringstream out;
    out << "flowchart TD\n";
    for (size_t i = 0; i < def.nodes.size(); ++i) {
        const NodeDef &node = def.nodes[i];
        out << "    n" << i << "[\"" << mermaid_escape(node.id) << "<br/>"
            << mermaid_escape(node.type) << "\"]\n";
    }
    for (const EdgeDef &edge : def.edges) {
        // Dashed like in the DOT form: "else" is the fallback, not a condition.
        out << "    " << mermaid_id(def, edge.from) << (edge.when == "else" ? " -.->" : " -->");
        if (!edge.when.empty()) out << "|\"" << mermaid_escape(edge.when) << "\"|";
        out << " " << mermaid_id(def, edge.to) << "\n";
    }
    out << "    classDef entry stroke-width:3px,stroke:#1565c0\n";
    out << "    classDef exit stroke-width:3px,stroke:#2e7d32,fill:#e8f5e9\n";
    out << "    classDef entryexit stroke-width:3px,stroke:#1565c0,fill:#e8f5e9\n";
    for (size_t i = 0; i < def.nodes.size(); ++i) {
        const bool entry = is_entry(def, def.nodes[i]);
        const bool exit = is_exit(def, def.nodes[i]);
        if (!entry && !exit) continue;
        out << "    class n" << i << " "
            << (entry && exit ? "entryexit"
                : entry       ? "entry"
                              : "exit")
            << "\n";
    }
    return out.str();
}

// ---- dot ------------------------------------------------------------------------------------

// The inside of a DOT double-quoted string: backslash starts escapes (\n, \l, \N...) in
// labels, so it is doubled; quotes are escaped; a newline becomes the \n escape.
std::string dot_escape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        case '\r': break;
        default: out += c;
        }
    }
    return out;
}

std::string dot_quote(std::string_view text) {
    return "\"" + dot_escape(text) + "\"";
}

std::string render_dot(const GraphDef &def) {
    std::ostringstream out;
    out << "digraph " << dot_quote(def.id) << " {\n";
    out << "    label=" << dot_quote(def.id + " " + def.version) << ";\n";
    out << "    labelloc=t;\n";
    out << "    node [shape=box, style=rounded];\n";
    for (const NodeDef &node : def.nodes) {
        // The \n between id and type is DOT's line break, not an escaped newline of the text.
        out << "    " << dot_quote(node.id) << " [label=\"" << dot_escape(node.id) << "\\n"
            << dot_escape(node.type) << "\"";
        if (is_entry(def, node)) out << ", penwidth=2";
        if (is_exit(def, node)) out << ", peripheries=2";
        out << "];\n";
    }
    for (const EdgeDef &edge : def.edges) {
        out << "    " << dot_quote(edge.from) << " -> " << dot_quote(edge.to);
        if (edge.when == "else") {
            out << " [label=\"else\", style=dashed]";
        } else if (!edge.when.empty()) {
            out << " [label=" << dot_quote(edge.when) << "]";
        }
        out << ";\n";
    }
    out << "}\n";
    return out.str();
}

} // namespace

std::optional<RenderFormat> parse_render_format(std::string_view name) noexcept {
    if (name == "text") return RenderFormat::text;
    if (name == "mermaid") return RenderFormat::mermaid;
    if (name == "dot") return RenderFormat::dot;
    return std::nullopt;
}

std::string render(const GraphDef &def, RenderFormat format) {
    switch (format) {
    case RenderFormat::text: return render_text(def);
    case RenderFormat::mermaid: return render_mermaid(def);
    case RenderFormat::dot: return render_dot(def);
    }
    return render_text(def);
}

std::string render(const Graph &graph, RenderFormat format) {
    std::string out = render(graph.def, format);
    if (format != RenderFormat::text || graph.warnings.empty()) return out;
    out += "\nwarnings:\n";
    for (const std::string &warning : graph.warnings)
        out += "  " + warning + "\n";
    return out;
}

} // namespace tinyllm::graph
