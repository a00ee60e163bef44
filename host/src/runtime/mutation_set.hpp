// The mutations expansion picks by name: expansion.yaml's strategies and every mutation
// component's own (component_set.hpp). Unlike tools and judges they are not prepared when a
// graph is built (prepare_components): whoever proposes prepares the ones it uses.
#pragma once

#include "runtime/component_set.hpp"
#include "runtime/mutation.hpp"

namespace tinyllm::runtime {

extern template class ComponentSet<Mutation>;
using MutationSet = ComponentSet<Mutation>;

} // namespace tinyllm::runtime
