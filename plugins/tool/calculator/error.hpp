// The one error type of the evaluator: a message for a human (or a model) and the 1-based column
// (in characters, not bytes) it points at.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace tinyllm::calculator {

class CalcError : public std::runtime_error {
public:
    CalcError(size_t column, const std::string &message)
        : std::runtime_error(message), column_(column) {}
    size_t column() const noexcept { return column_; }

private:
    size_t column_;
};

} // namespace tinyllm::calculator
