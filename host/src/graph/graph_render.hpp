// A graph for humans: plain text for the terminal, Mermaid for Markdown docs, Graphviz DOT for
// pictures (`tinyllm graph show FILE --format dot | dot -Tsvg`).
#pragma once

#include "graph/graph.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tinyllm::graph {

enum class RenderFormat { text, mermaid, dot };

// "text", "mermaid", "dot"; nullopt for anything else.
std::optional<RenderFormat> parse_render_format(std::string_view name) noexcept;

// text: the header (id, version, description, entry, exits, limits), one line per node (type,
//       entry/exit marks, non-default settings, config) and per edge (condition or "else").
// mermaid: `flowchart TD`, one box per node (id and type), conditions as edge labels, the entry
//       and exits styled by class.
// dot: a Graphviz digraph; the entry drawn bold, exits with a double border, "else" dashed.
// Every output ends with a newline.
std::string render(const GraphDef &def, RenderFormat format);
// As above; the text form also lists the build's warnings.
std::string render(const Graph &graph, RenderFormat format);

} // namespace tinyllm::graph
