// The failure report (forensics/analysis.hpp) as `tinyllm failures analyze` prints it: a table
// with a block per category for people, or one JSON document for scripts.
#pragma once

#include "cli/forensics_window.hpp"
#include "forensics/analysis.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tinyllm::cli {

// The table. Every text that comes from the store (run ids, node ids, rule names, judges'
// labels, excerpts) is sanitised: no control character reaches the terminal. `color`: bold
// headings (only for a terminal without NO_COLOR).
void print_failures(std::ostream &out, const forensics::Report &report,
                    const std::string &window_text, bool color);

// The window's notes (routes that could not be checked), one "note: ..." line each.
void print_notes(std::ostream &out, const std::vector<std::string> &notes);

struct ReportSettings {
    const WindowQuery &query;
    const Window &window;
    std::optional<double> min_score;
};

// {"window": {...}, "runs", "failed", "weak", "cancelled", "categories": [...], "findings":
// [...], "recovered": {...}, "notes": [...]} (docs/cli.md, `failures analyze`).
std::string failures_json(const forensics::Report &report, const ReportSettings &settings);

} // namespace tinyllm::cli
