// One instance of a tinyllm.mutation/1 component under the name callers use (expansion.yaml's
// strategies or the component's own). The expansion request is checked before the plugin sees
// it and the output after, so a mutation that answers outside the schema is a mutation error,
// never a candidate. The candidates' graphs are not checked as graphs here: whoever proposes
// checks each exactly as a graph file (graph_builder) and records the builder's message for one
// that fails.
#pragma once

#include "config/schema.hpp"
#include "runtime/component_instance.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tinyllm::runtime {

// One proposal: the whole changed graph (compact JSON, an object with the request graph's id),
// why it should do better, and the ids of the nodes it adds or changes.
struct MutationCandidate {
    std::string graph_json;
    std::string rationale;
    std::vector<std::string> touched_nodes;
};

// What one propose answered: the candidates, in the mutation's order (possibly none), and its
// reasons for having few or none.
struct MutationProposal {
    std::vector<MutationCandidate> candidates;
    std::vector<std::string> reasons;
};

class Mutation {
public:
    static constexpr const char *kKind = TLLM_KIND_MUTATION; // for ComponentSet
    static constexpr const char *kNoun = "mutation";

    // `config_json` must already satisfy the component's config schema. `description`
    // replaces the component's own when set (expansion.yaml).
    Mutation(std::string name, plugin::ComponentRef ref, const std::string &config_json,
             HostServices *services, std::optional<std::string> description = std::nullopt);

    const std::string &name() const noexcept { return name_; }
    const char *type() const noexcept { return instance_.component().name; }
    const std::string &description() const noexcept { return description_; }
    // Once, on the loading thread, before the first call (ComponentInstance::activate).
    void activate(CallContext &call) { instance_.activate(call); }

    // An expansion request (plugin.h, tllm_mutation_v1) -> the checked candidates.
    // Throws Error: invalid_argument naming the member for a request outside the schema (or a
    // `node` that is not one of graph.nodes[].id), protocol naming the mutation and the member
    // for an output outside the schema (or a candidate graph whose id is not the request's),
    // the plugin's own error otherwise.
    MutationProposal propose(CallContext &call, const std::string &request_json);

private:
    std::string name_;
    ComponentInstance instance_;
    const tllm_mutation_v1 *vtable_;
    std::string description_;
};

} // namespace tinyllm::runtime
