// The judges callers pick by name: judges.yaml's and every judge component's own
// (component_set.hpp).
#pragma once

#include "runtime/component_set.hpp"
#include "runtime/judge.hpp"

namespace tinyllm::runtime {

extern template class ComponentSet<Judge>;
using JudgeSet = ComponentSet<Judge>;

} // namespace tinyllm::runtime
