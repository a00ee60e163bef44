// The documents that cross into and out of a plugin's kind function, checked against the shape
// plugin.h gives them: a request before the plugin sees it, an answer before anyone reads it.
// runtime::Judge and runtime::Mutation check theirs this one way.
#pragma once

#include "config/schema.hpp"
#include "tinyllm/json.hpp"

#include <string>
#include <string_view>

namespace tinyllm::runtime {

// The request as the plugin receives it. Throws Error(invalid_argument)
// "<what>: <member>: <message>" (or "<what>: request: ..." for the whole, or for text that is not
// JSON).
json::Document checked_request(const std::string &what, const std::string &request_json,
                               const config::Schema &schema);

// The plugin's answer, an object, with the schema's defaults filled in. Throws Error(protocol)
// "<what> answered outside the schema: <member>: <message>", naming the whole `whole`
// ("verdict", "output").
json::Document checked_answer(const std::string &what, const std::string &answer,
                              const config::Schema &schema, std::string_view whole);

// "candidates[0].graph" for "/candidates/0/graph"; `whole` for the document itself.
std::string member_name(const std::string &pointer, std::string_view whole);

} // namespace tinyllm::runtime
