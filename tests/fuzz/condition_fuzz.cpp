// The edge-condition language (host/src/graph/condition*.cpp): the input is the text of an
// edge's `when:`, parsed by Condition::parse as the graph loader and builder do, then
// evaluated against a message as the executor does on every step.
// Expected: ConditionError (a tinyllm::Error) from parse. Findings besides crashes:
//   - evaluate() throwing (it is noexcept: that would terminate a run),
//   - the canonical form (to_string) not being a fixed point, or meaning something else,
//     unless re-parsing it breaks the documented limits (its added parentheses can).
#include "fuzz_support.hpp"
#include "graph/condition.hpp"

#include "tinyllm/json.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using tinyllm::graph::Condition;
using tinyllm::graph::ConditionError;

// Messages with every kind of value the language compares: the graph tests' message, the first
// message of a run, and a few values of other types at the root.
const std::vector<tinyllm::json::Document> &messages() {
    static const std::vector<tinyllm::json::Document> docs = [] {
        std::vector<tinyllm::json::Document> out;
        for (const char *text : {
                 R"({"input": "2+2?", "content": "4", "route": "math", "gate": "fail",
                     "attempt": 1, "score": 0.8, "one_f": 1.0, "zero": 0, "zero_f": 0.0,
                     "neg": -5, "big": 18446744073709551615, "huge": 9223372036854775807,
                     "tiny": -9223372036854775808, "empty": "", "empty_list": [],
                     "empty_obj": {}, "nothing": null, "yes": true, "no": false,
                     "name": "h\u00e9llo", "nul": "a\u0000b", "tags": ["chat", "math"],
                     "pair": [1, "a"], "data": {"score": 0.8, "confident": false,
                     "tags": ["a", "b", 1, null, [1, 2], {"k": "v"}], "obj": {"k": "v"},
                     "nested": {"deep": {"x": 42}}, "in": 1, "not": 2}})",
                 R"({"input":"hi","content":"hi","route":"","attempt":1,"data":{}})", "[]", "null",
                 "\"route\"", "1e308"}) {
            out.push_back(tinyllm::json::parse(text, "fuzz message"));
        }
        return out;
    }();
    return docs;
}

bool breaks_a_limit(const ConditionError &e) {
    const std::string_view detail = e.detail;
    return detail.rfind("nesting deeper than", 0) == 0 || detail.rfind("condition is ", 0) == 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    try {
        const Condition condition = Condition::parse(text);
        if (condition.text() != text) tinyllm::fuzz::fail("text() is not the parsed text");
        (void)condition.fields();
        const std::string canonical = condition.to_string();
        std::optional<Condition> again;
        try {
            again = Condition::parse(canonical);
        } catch (const ConditionError &e) {
            if (!breaks_a_limit(e)) {
                tinyllm::fuzz::fail("the canonical form does not parse",
                                    canonical + " -> " + e.what());
            }
        }
        if (again && again->to_string() != canonical) {
            tinyllm::fuzz::fail("the canonical form is not a fixed point",
                                canonical + " -> " + again->to_string());
        }
        for (const auto &message : messages()) {
            const bool result = condition.evaluate(message);
            if (again && again->evaluate(message) != result) {
                tinyllm::fuzz::fail("the canonical form means something else",
                                    std::string(text) + " vs " + canonical + " on " +
                                        tinyllm::json::to_string(message));
            }
        }
    } catch (const ConditionError &) {
        // A condition that does not parse: the documented error.
    } catch (const std::exception &e) {
        tinyllm::fuzz::fail_unexpected(e);
    }
    return 0;
}
