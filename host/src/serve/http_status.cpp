#include "serve/http_status.hpp"

namespace tinyllm::serve {

int http_status_for(ErrorCode code) noexcept {
    switch (code) {
    case ErrorCode::usage:
    case ErrorCode::invalid_argument: return 400;
    case ErrorCode::not_found: return 404;
    case ErrorCode::limit_exceeded: return 422; // the request made the graph hit a bound
    case ErrorCode::unsupported: return 501;
    case ErrorCode::unavailable: return 503;
    case ErrorCode::timeout: return 504;
    case ErrorCode::cancelled: return 499; // the client went away (nginx's code; never seen)
    case ErrorCode::protocol:
    case ErrorCode::remote: return 502; // a model server answered badly or failed
    case ErrorCode::config:
    case ErrorCode::plugin:
    case ErrorCode::io:
    case ErrorCode::internal: return 500;
    }
    return 500;
}

} // namespace tinyllm::serve
