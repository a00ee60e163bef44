// Answers to requests that set `format` (Ollama's structured outputs): JSON that follows the
// schema. A schema with a `route` enum is a router's classifier (plugins/node/router): it gets
// the example's route with P = accuracy["routing"], otherwise another route of the enum; an enum
// that lists the example's category (labels.category) but not its route is a router over
// categories (the split_specialist mutation's), answered the same way with the category.
#pragma once

#include "dataset.hpp"
#include "draw.hpp"
#include "sim_config.hpp"

#include "tinyllm/json.hpp"

#include <string>

namespace tinyllm::sim {

// The JSON text answering `schema` about `example`; `text` is what the model would have said
// without a format (it fills an "answer" string when the schema asks for one).
std::string structured_answer(const json::Value &schema, const Example &example,
                              const ModelSpec &model, const Draw &draw, const std::string &text);

// The answer to format "json" (no schema): {"answer": text}.
std::string json_answer(const std::string &text);

// A minimal instance of `schema`: required members only, each the first enum value, the
// minimum, "" (padded to minLength), false, [] (padded to minItems)...
json::Value minimal_instance(const json::Value &schema, json::Allocator &alloc);

} // namespace tinyllm::sim
