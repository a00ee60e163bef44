// What to try next about a category of failures, naming the node most often blamed for it: the
// line of the report that turns a count into work. It does not suggest what the node already
// has (a tool it called, a gate rule that passed its answers): it says that those did not help.
#pragma once

#include "forensics/finding.hpp"

#include <string>

namespace tinyllm::forensics {

// `node` is the node most blamed ("" when none is: the run's own budget or limit); `help` what
// it had in the runs it was blamed for.
std::string next_step(Category category, const std::string &key, const std::string &node,
                      const NodeHelp &help = {});

} // namespace tinyllm::forensics
