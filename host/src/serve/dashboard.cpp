#include "serve/dashboard.hpp"

namespace tinyllm::serve {

namespace {

std::string_view content_type(std::string_view name) {
    if (name.ends_with(".html")) return "text/html; charset=utf-8";
    if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
    if (name.ends_with(".css")) return "text/css; charset=utf-8";
    return "application/octet-stream";
}

} // namespace

bool wants_html(const HttpRequest &request) {
    return request.header("Accept").find("text/html") != std::string::npos;
}

bool send_dashboard_file(std::string_view path, Exchange &exchange) {
    std::string_view name;
    if (path == "/") {
        name = "index.html";
    } else if (path.starts_with("/ui/")) {
        name = path.substr(4);
    } else {
        return false;
    }
    for (const EmbeddedFile &file : dashboard_files()) {
        if (file.name != name) continue;
        // no-cache: the browser asks again (cheaply) so that a new server's dashboard shows.
        exchange.send(200, std::string(content_type(name)), std::string(file.bytes),
                      {{"Cache-Control", "no-cache"}, {"X-Content-Type-Options", "nosniff"}});
        return true;
    }
    return false;
}

} // namespace tinyllm::serve
