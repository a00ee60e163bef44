// The web dashboard `tinyllm serve` answers at "/" to a browser: three static files
// (host/dashboard/: index.html, app.js, style.css) compiled into the binary. It reads everything
// it shows from /tinyllm/v1/.
#pragma once

#include "serve/http_exchange.hpp"

#include <span>
#include <string_view>

namespace tinyllm::serve {

struct EmbeddedFile {
    std::string_view name; // "app.js"
    std::string_view bytes;
};

// Generated at build time (embed_files.cmake).
std::span<const EmbeddedFile> dashboard_files() noexcept;

// A browser asking for a page (Accept names text/html), not an Ollama client's heartbeat.
bool wants_html(const HttpRequest &request);

// Sends the dashboard file `path` names ("/" is index.html, "/ui/NAME" the others); false when
// it names none.
bool send_dashboard_file(std::string_view path, Exchange &exchange);

} // namespace tinyllm::serve
