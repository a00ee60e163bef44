// tinyllm graph versions | diff | rollback | export: the versions of a graph the run store keeps
// (store/graph_store.hpp), what changed between two, going back to one, and writing one out.
#pragma once

#include <string>

namespace tinyllm::cli {

class Context;

int print_graph_versions(Context &ctx, const std::string &graph_id, bool as_json);
int print_graph_diff(Context &ctx, const std::string &graph_id, const std::string &from,
                     const std::string &to, bool as_json);
int rollback_graph(Context &ctx, const std::string &graph_id, const std::string &version,
                   const std::string &reason, bool as_json);
int export_graph_version(Context &ctx, const std::string &graph_id, const std::string &version,
                         const std::string &output);

} // namespace tinyllm::cli
