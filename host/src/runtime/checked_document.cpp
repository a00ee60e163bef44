#include "runtime/checked_document.hpp"

#include "config/source_map.hpp"

namespace tinyllm::runtime {

std::string member_name(const std::string &pointer, std::string_view whole) {
    const std::string path = config::display_path(pointer);
    return path.empty() ? std::string(whole) : path;
}

json::Document checked_request(const std::string &what, const std::string &request_json,
                               const config::Schema &schema) {
    json::Document request =
        json::parse(request_json, what + ": request", ErrorCode::invalid_argument);
    if (const auto violation = schema.check(request)) {
        throw Error(ErrorCode::invalid_argument, what + ": " +
                                                     member_name(violation->pointer, "request") +
                                                     ": " + violation->message);
    }
    return request;
}

json::Document checked_answer(const std::string &what, const std::string &answer,
                              const config::Schema &schema, std::string_view whole) {
    json::Document doc;
    try {
        doc = json::parse_object(answer, "its answer", ErrorCode::protocol);
    } catch (const Error &e) {
        throw Error(ErrorCode::protocol, what + " answered outside the schema: " + e.what());
    }
    config::apply_defaults(doc, schema.root(), doc.GetAllocator());
    if (const auto violation = schema.check(doc)) {
        throw Error(ErrorCode::protocol, what + " answered outside the schema: " +
                                             member_name(violation->pointer, whole) + ": " +
                                             violation->message);
    }
    return doc;
}

} // namespace tinyllm::runtime
