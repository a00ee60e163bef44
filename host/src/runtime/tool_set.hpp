// The tools available to models and to `tinyllm tool` (component_set.hpp).
#pragma once

#include "runtime/component_set.hpp"
#include "runtime/tool.hpp"

namespace tinyllm::runtime {

extern template class ComponentSet<Tool>;
using ToolSet = ComponentSet<Tool>;

} // namespace tinyllm::runtime
