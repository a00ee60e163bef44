#!/usr/bin/env bash
# Scaffold a third-party TinyLLM plugin: a directory with a CMake project that builds against the
# SDK alone (sdk/: plugin.h, plugin.hpp, TinyLLMPlugin.cmake) — no host code — plus a source file
# with TODOs where the author's logic goes and a README on building, validating and using it.
#
# Exit codes: 0 done, 2 usage error (bad arguments, a kind the SDK cannot scaffold), 1 failure.
set -euo pipefail

PROG=${0##*/}
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Run from a TinyLLM checkout, the SDK is ../sdk; the generated project defaults to it.
SDK_DIR=""
if [ -f "$SCRIPT_DIR/../sdk/include/tinyllm/plugin.h" ]; then
    SDK_DIR=$(cd "$SCRIPT_DIR/../sdk" && pwd)
fi

HEADER=${SDK_DIR:+$SDK_DIR/include/tinyllm/plugin.h}
# Kinds the SDK names (TLLM_KIND_*) and kinds it gives a function table (tllm_<kind>_v1), read
# from the header so that this script never claims more or less than the SDK defines.
if [ -n "$HEADER" ]; then
    NAMED_KINDS=$(sed -n 's/^#define TLLM_KIND_[A-Z_]* "tinyllm\.\([a-z_]*\)\/[0-9]*".*/\1/p' \
        "$HEADER" | tr '\n' ' ')
    DEFINED_KINDS=$(sed -n 's/^typedef struct tllm_\([a-z_]*\)_v1 .*/\1/p' "$HEADER" |
        tr '\n' ' ')
    ABI=$(sed -n 's/^#define TLLM_ABI_VERSION_MAJOR \([0-9]*\).*/\1/p' "$HEADER").$(
        sed -n 's/^#define TLLM_ABI_VERSION_MINOR \([0-9]*\).*/\1/p' "$HEADER")
else
    NAMED_KINDS="backend node tool"
    DEFINED_KINDS="backend node tool"
    ABI="1.x"
fi
# The kinds this script has a template for.
TEMPLATE_KINDS="backend node tool"

usage() {
    cat <<TXT
Usage: $PROG KIND NAME [DIR]

Create a new TinyLLM plugin project that builds against the SDK alone.

  KIND   the component kind: backend (a model server client, tinyllm.backend/1),
         node (a step of a graph, tinyllm.node/1) or tool (an exact capability that
         models and 'tinyllm tool NAME' call, tinyllm.tool/1).
         The SDK (ABI $ABI) names these kinds: ${NAMED_KINDS% };
         the others have no interface yet.
  NAME   the component name: lowercase letters, digits, '_' and '-' ([a-z0-9_-]+).
         The plugin file will be tinyllm-NAME.so.
  DIR    where to create the project (default: ./tinyllm-plugin-NAME); must not exist.

Options:
  -h, --help   show this help

Then:
  cd DIR && cmake -S . -B build -G Ninja && cmake --build build
  tinyllm plugins validate build/tinyllm-NAME.so
TXT
    if [ -n "$SDK_DIR" ]; then
        echo
        echo "The project finds the SDK in $SDK_DIR (override with -DTINYLLM_SDK_DIR=...)."
    fi
}

usage_error() {
    echo "$PROG: $*" >&2
    echo "Try '$PROG --help'." >&2
    exit 2
}

fail() {
    echo "$PROG: $*" >&2
    exit 1
}

has_word() { # has_word WORD LIST
    case " $2 " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

# ---- arguments -------------------------------------------------------------------------------

ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help) usage; exit 0 ;;
    --) shift; ARGS+=("$@"); break ;;
    -*) usage_error "unknown option '$1'" ;;
    *) ARGS+=("$1") ;;
    esac
    shift
done
if [ ${#ARGS[@]} -lt 2 ] || [ ${#ARGS[@]} -gt 3 ]; then
    usage_error "expected KIND NAME [DIR], got ${#ARGS[@]} argument(s)"
fi
KIND=${ARGS[0]}
NAME=${ARGS[1]}
DIR=${ARGS[2]:-./tinyllm-plugin-$NAME}

if ! [[ "$KIND" =~ ^[a-z_]+$ ]] || ! has_word "$KIND" "$NAMED_KINDS"; then
    usage_error "kind '$KIND' is not defined in this SDK (ABI $ABI defines: ${NAMED_KINDS% })"
fi
if ! has_word "$KIND" "$DEFINED_KINDS"; then
    # The ABI reserves the id but defines no function table for it yet: there is nothing a
    # plugin could implement, so a scaffold would not be loadable as anything useful.
    usage_error "kind '$KIND': the tinyllm.$KIND/1 interface is not defined yet in this SDK" \
        "version (ABI $ABI defines: ${DEFINED_KINDS% }); only those can be scaffolded"
fi
if ! has_word "$KIND" "$TEMPLATE_KINDS"; then
    usage_error "kind '$KIND': the SDK defines tinyllm.$KIND/1 but this script has no" \
        "template for it yet (see docs/sdk.md)"
fi

if ! [[ "$NAME" =~ ^[a-z0-9_-]+$ ]]; then
    usage_error "invalid NAME '$NAME': use lowercase letters, digits, '_' and '-' only"
fi
if [ -e "$DIR" ] || [ -L "$DIR" ]; then
    fail "$DIR already exists; refusing to overwrite it (choose another DIR or remove it)"
fi

# my-cool_plugin -> MyCoolPluginBackend; a leading digit would not be a valid C++ identifier.
CLASS=$(printf '%s' "$NAME" | awk -F'[-_]' '{
    for (i = 1; i <= NF; i++) printf "%s", toupper(substr($i, 1, 1)) substr($i, 2) }')
case "$CLASS" in
[0-9]*) CLASS="Plugin$CLASS" ;;
esac
case "$KIND" in
backend) CLASS="${CLASS}Backend" ;;
node) CLASS="${CLASS}Node" ;;
tool) CLASS="${CLASS}Tool" ;;
esac

# ---- create ----------------------------------------------------------------------------------

mkdir -p -- "$(dirname -- "$DIR")" || fail "cannot create the parent directory of $DIR"
# mkdir without -p fails if DIR appeared meanwhile, so an existing directory is never touched.
mkdir -- "$DIR" || fail "cannot create $DIR"
CREATED=$DIR
cleanup() {
    # Only a half-written project is removed: the directory this run created, nothing else.
    if [ -n "${CREATED:-}" ]; then rm -rf -- "$CREATED"; fi
}
trap cleanup EXIT

# Substitute the placeholders of a template read on stdin. '|' cannot occur in NAME, KIND or
# CLASS; the SDK path may contain anything but a newline, so it is escaped for sed.
SDK_SED=$(printf '%s' "$SDK_DIR" | sed -e 's/[\\|&]/\\&/g')
render() {
    sed -e "s|@NAME@|$NAME|g" -e "s|@CLASS@|$CLASS|g" -e "s|@KIND@|$KIND|g" \
        -e "s|@SDK_DIR@|$SDK_SED|g"
}

render >"$DIR/CMakeLists.txt" <<'CMAKE'
# The TinyLLM plugin "@NAME@", a tinyllm.@KIND@/1 component.
# It builds against the TinyLLM SDK alone (plugin.h, plugin.hpp and TinyLLMPlugin.cmake) and
# loads into any TinyLLM host with the same ABI major version.
cmake_minimum_required(VERSION 3.25)
project(tinyllm-plugin-@NAME@ VERSION 0.1.0 LANGUAGES CXX)

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

# The SDK: a TinyLLM source tree's sdk/ directory, or the prefix TinyLLM is installed in
# (headers in include/, TinyLLMPlugin.cmake in share/tinyllm/cmake/).
set(TINYLLM_SDK_DIR "@SDK_DIR@" CACHE PATH
    "TinyLLM SDK: a source tree's sdk/ directory or an installation prefix")
if(EXISTS "${TINYLLM_SDK_DIR}/cmake/TinyLLMPlugin.cmake")
  set(tinyllm_plugin_cmake "${TINYLLM_SDK_DIR}/cmake/TinyLLMPlugin.cmake")
elseif(EXISTS "${TINYLLM_SDK_DIR}/share/tinyllm/cmake/TinyLLMPlugin.cmake")
  set(tinyllm_plugin_cmake "${TINYLLM_SDK_DIR}/share/tinyllm/cmake/TinyLLMPlugin.cmake")
endif()
if(NOT tinyllm_plugin_cmake OR NOT EXISTS "${TINYLLM_SDK_DIR}/include/tinyllm/plugin.h")
  message(FATAL_ERROR "TINYLLM_SDK_DIR=\"${TINYLLM_SDK_DIR}\" is not a TinyLLM SDK (it needs "
                      "include/tinyllm/plugin.h and cmake/TinyLLMPlugin.cmake). Configure with "
                      "-DTINYLLM_SDK_DIR=/path/to/tinyllm/sdk or the prefix TinyLLM is installed "
                      "in, e.g. -DTINYLLM_SDK_DIR=/usr/local")
endif()

# `cmake --install build --prefix P` puts the plugin in P/lib/tinyllm/plugins, where a TinyLLM
# installed in P finds it without any option.
include(GNUInstallDirs)
set(TINYLLM_PLUGIN_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/tinyllm/plugins)

# Defines tinyllm_add_plugin() and the header-only tinyllm::sdk target it links.
include(${tinyllm_plugin_cmake})
# Builds build/tinyllm-@NAME@.so exporting only tinyllm_plugin_entry.
tinyllm_add_plugin(@NAME@ SOURCES @NAME@.cpp)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(tinyllm-plugin-@NAME@ PRIVATE -Wall -Wextra -Wpedantic)
endif()
CMAKE

# ---- the source: a common head, the kind's class, a common tail --------------------------------

{
    case "$KIND" in
    backend)
        render <<'CPP'
// @NAME@: a TinyLLM backend plugin (tinyllm.backend/1).
// Scaffolded by scripts/new-plugin.sh.
//
// A backend is a model server client: the host hands it Ollama-shaped chat requests and expects
// a chat response back (docs/sdk.md#chat-request, #chat-response in the TinyLLM repository).
// This template answers every request with a greeting, so that it builds, validates and runs
// before any real logic exists. The TODOs mark where yours goes.
CPP
        ;;
    node)
        render <<'CPP'
// @NAME@: a TinyLLM graph node plugin (tinyllm.node/1).
// Scaffolded by scripts/new-plugin.sh.
//
// A node is one step of a graph: it receives the run's current message and returns the next
// one, optionally with a route that the graph's edges can test (docs/sdk.md#graph-messages in
// the TinyLLM repository). This template passes the message through unchanged and reports a
// configured route, so that it builds, validates and runs before any real logic exists. The
// TODOs mark where yours goes.
CPP
        ;;
    tool)
        render <<'CPP'
// @NAME@: a TinyLLM tool plugin (tinyllm.tool/1).
// Scaffolded by scripts/new-plugin.sh.
//
// A tool does one exact thing for a model or a user: the host hands it an arguments object that
// already matches its parameters schema and expects a result document {"content": "...",
// "is_error": false, ...} back (docs/sdk.md#tools in the TinyLLM repository). This template
// returns its one argument, `text`, reversed character by character, so that it builds,
// validates and answers `tinyllm tool @NAME@ "abc"` before any real logic exists. The TODOs
// mark where yours goes.
CPP
        ;;
    esac
    render <<'CPP'
//
// Rules of the ABI that the C++ helper (tinyllm/plugin.hpp) already enforces for you: every
// exception is caught at the boundary and becomes a status + message (throw tinyllm::sdk::Error
// to choose the status), and results are copied by the host, so returning a std::string is fine.
#include <tinyllm/plugin.hpp>

CPP
    if [ "$KIND" = tool ]; then
        printf '%s\n' '#include <charconv>' '#include <cstddef>' '#include <cstdint>'
    fi
    printf '%s\n' '#include <optional>' '#include <string>' '#include <string_view>'
    if [ "$KIND" = tool ]; then
        printf '%s\n' '#include <system_error>'
    fi
    render <<'CPP'

namespace {

// TODO: parse with a real JSON library (RapidJSON, nlohmann/json, simdjson...). This naive
// lookup finds the first "key": <string or literal> in the compact JSON the host sends; it is
// only good enough for the template's fields and knows nothing about nesting.
std::optional<std::string_view> raw_member(std::string_view json, std::string_view key) {
    const std::string quoted = "\"" + std::string(key) + "\"";
    size_t at = json.find(quoted);
    if (at == std::string_view::npos) return std::nullopt;
    at = json.find_first_not_of(" \t\r\n", at + quoted.size());
    if (at == std::string_view::npos || json[at] != ':') return std::nullopt;
    at = json.find_first_not_of(" \t\r\n", at + 1);
    if (at == std::string_view::npos) return std::nullopt;
    if (json[at] != '"') {
        const size_t end = json.find_first_of(",} \t\r\n", at);
        return json.substr(at, end == std::string_view::npos ? end : end - at);
    }
    size_t end = at + 1;
    while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
    return json.substr(at + 1, end - at - 1); // still JSON-escaped
}

CPP
    case "$KIND" in
    backend)
        render <<'CPP'
class @CLASS@ final : public tinyllm::sdk::Backend {
public:
    // The component's name: what models.yaml's `backends[].type` names.
    static constexpr const char *kName = "@NAME@";
    static constexpr const char *kDescription = "TODO: one line saying what @NAME@ talks to";
    // JSON Schema of the instance config (models.yaml's `backends[].config`). The host fills the
    // defaults and validates before the constructor runs; `tinyllm plugins inspect` shows it.
    // A string property may carry "x-env": "VAR" to be overridable from the environment.
    // TODO: replace `greeting` with your backend's settings (server URL, model dir, API key...).
    static constexpr const char *kConfigSchema = R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "@NAME@ backend",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "greeting": {
      "type": "string",
      "default": "Hello from @NAME@!",
      "description": "What every answer says (the template's only setting)."
    }
  }
})";
    // Calls may run concurrently on one instance. If yours cannot, uncomment this and the host
    // will serialize them:
    // static constexpr uint32_t kFlags = TLLM_COMPONENT_SERIALIZED;

    // Runs when the host creates the instance (once per models.yaml backend). Throwing here
    // reports "create failed" with the message. Connect or load heavy state here or lazily.
    @CLASS@(tinyllm::sdk::Host host, std::string_view config_json) : host_(host) {
        // JSON-escaped text, copied into JSON answers as it is.
        greeting_ = raw_member(config_json, "greeting").value_or("Hello from @NAME@!");
        // Plugins log through the host, never to stdout or stderr.
        host_.debug("@NAME@ backend created");
    }

    // chat-request -> chat-response. With "stream": true (or absent) the answer is also sent
    // piece by piece as token events while it is produced.
    std::string chat(tinyllm::sdk::Call &call, std::string_view request) override {
        const std::string model(raw_member(request, "model").value_or("@NAME@"));
        const bool stream = raw_member(request, "stream").value_or("true") != "false";

        // TODO: your logic: read request["messages"], run or call the model, stream the tokens.
        // Poll call.cancelled() / call.check_cancelled() in long loops, and honour
        // call.remaining_ms() (-1 = no deadline).
        const std::string answer = greeting_;
        if (stream) {
            call.check_cancelled();
            call.emit(R"({"type":"token","content":")" + answer + R"("})");
        }

        // TODO: report real counts and durations (nanoseconds) when your server has them.
        return R"({"model":")" + model + R"(","message":{"role":"assistant","content":")" +
               answer + R"("},"done":true,"done_reason":"stop"})";
    }

    // no request -> {"models":[...]}: what `tinyllm models list` shows for this backend.
    std::string list_models(tinyllm::sdk::Call &) override {
        // TODO: list the models your server really has.
        return R"({"models":[{"name":"@NAME@","size":0}]})";
    }

    // no request -> {"version","endpoint"}: the cheap reachability check `tinyllm doctor` uses.
    std::string server_version(tinyllm::sdk::Call &) override {
        // TODO: ask your server; throw tinyllm::sdk::Error(TLLM_ERR_UNAVAILABLE, ...) if down.
        return R"({"version":"0.1.0","endpoint":"in-process"})";
    }

    // generate, embed, show_model and pull_model answer TLLM_ERR_UNSUPPORTED until overridden.

private:
    tinyllm::sdk::Host host_;
    std::string greeting_;
};
CPP
        ;;
    node)
        render <<'CPP'
class @CLASS@ final : public tinyllm::sdk::Node {
public:
    // The component's name: what a graph node's `type` names.
    static constexpr const char *kName = "@NAME@";
    static constexpr const char *kDescription = "TODO: one line saying what @NAME@ does";
    // JSON Schema of the node's config (the node's `config` in the graph file). The host fills
    // the defaults and validates before the constructor runs; `tinyllm plugins inspect` shows
    // it. TODO: replace `route` with your node's settings (prompt, model role...).
    static constexpr const char *kConfigSchema = R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "@NAME@ node",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "route": {
      "type": "string",
      "default": "",
      "description": "The route this node reports; graph edges may test it."
    }
  }
})";
    // process() may run concurrently for different runs. If yours cannot, uncomment this and
    // the host will serialize the calls:
    // static constexpr uint32_t kFlags = TLLM_COMPONENT_SERIALIZED;

    // Runs when the host creates the instance (once per node of a graph). Throwing here reports
    // "create failed" with the message.
    @CLASS@(tinyllm::sdk::Host host, std::string_view config_json) : host_(host) {
        route_ = raw_member(config_json, "route").value_or(""); // JSON-escaped
        // Plugins log through the host, never to stdout or stderr.
        host_.debug("@NAME@ node created");
    }

    // message -> {"set": {the members that change}, "route": "..."} (or {"message": the whole
    // next message}). The message is a JSON object such as
    // {"input":"...","content":"...","route":"","attempt":1,"data":{}}.
    std::string process(tinyllm::sdk::Call &call,
                        [[maybe_unused]] std::string_view message) override {
        call.check_cancelled();
        // TODO: your logic. To ask a model, no JSON is needed:
        //     const tllm_chat_message messages[] = {{"user", "What is 2+2?"}};
        //     tllm_chat_request request{};
        //     request.struct_size = sizeof request;
        //     request.model = "";          // a models.yaml name, or "" for the default
        //     request.messages = messages;
        //     request.message_count = 1;
        //     request.stream = 1;
        //     request.think = -1;          // as configured
        //     const std::string answer = host_.chat(call, request).content;
        // Its tokens stream to whoever runs the graph and the call is recorded in the run's
        // trace. Requests with tools or images go as JSON through host_.chat(call, json).
        // E.g. {"set":{"content":"the answer"}}. This template changes nothing and routes.
        return R"({"set":{},"route":")" + route_ + R"("})";
    }

private:
    tinyllm::sdk::Host host_;
    std::string route_;
};
CPP
        ;;
    tool)
        render <<'CPP'
// TODO: a JSON library does this too. Decodes the inside of a JSON string literal (what
// raw_member returns for a string) into UTF-8: \" \\ \/ \b \f \n \r \t and \uXXXX escapes,
// surrogate pairs included (a lone surrogate becomes U+FFFD).
std::string json_unescape(std::string_view s) {
    const auto bad = [] {
        return tinyllm::sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "malformed JSON string escape");
    };
    const auto hex4 = [&](size_t at) {
        if (at + 4 > s.size()) throw bad();
        uint32_t v = 0;
        for (size_t k = at; k < at + 4; ++k) {
            const char c = s[k];
            v <<= 4;
            if (c >= '0' && c <= '9') {
                v |= static_cast<uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                v |= static_cast<uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                v |= static_cast<uint32_t>(c - 'A' + 10);
            } else {
                throw bad();
            }
        }
        return v;
    };
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\') {
            out += s[i];
            continue;
        }
        if (++i == s.size()) throw bad();
        switch (s[i]) {
        case '"': case '\\': case '/': out += s[i]; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
            uint32_t cp = hex4(i + 1);
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && s.substr(i + 1, 2) == "\\u") {
                const uint32_t low = hex4(i + 3);
                if (low >= 0xDC00 && low <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    i += 6;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
            const auto byte = [](uint32_t b) { return static_cast<char>(b); };
            if (cp < 0x80) {
                out += byte(cp);
            } else if (cp < 0x800) {
                out += byte(0xC0 | (cp >> 6));
                out += byte(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                out += byte(0xE0 | (cp >> 12));
                out += byte(0x80 | ((cp >> 6) & 0x3F));
                out += byte(0x80 | (cp & 0x3F));
            } else {
                out += byte(0xF0 | (cp >> 18));
                out += byte(0x80 | ((cp >> 12) & 0x3F));
                out += byte(0x80 | ((cp >> 6) & 0x3F));
                out += byte(0x80 | (cp & 0x3F));
            }
            break;
        }
        default: throw bad();
        }
    }
    return out;
}

// Reverses UTF-8 text by code point (a character written as several code points, such as a
// letter with a combining accent, comes out reordered) and counts the code points.
std::string reverse_utf8(std::string_view text, size_t &characters) {
    std::string out(text.size(), '\0');
    size_t end = text.size();
    characters = 0;
    for (size_t i = 0; i < text.size();) {
        size_t len = 1;
        while (i + len < text.size() &&
               (static_cast<unsigned char>(text[i + len]) & 0xC0) == 0x80) {
            ++len;
        }
        end -= len;
        text.copy(out.data() + end, len, i);
        i += len;
        ++characters;
    }
    return out;
}

class @CLASS@ final : public tinyllm::sdk::Tool {
public:
    // The tool's name: what models call, what `tinyllm tool NAME` and a model node's `tools:`
    // list use (tools.yaml may add more instances under other names).
    static constexpr const char *kName = "@NAME@";
    // What a model reads to decide when to call the tool, so write it for a model: what the tool
    // does and what it returns, in one or two sentences. TODO: describe your tool.
    static constexpr const char *kDescription =
        "Reverses a text character by character and returns the reversed text.";
    // JSON Schema of the arguments object, sent to models as it is (Ollama's
    // tools[].function.parameters). The host checks every call's arguments against it before
    // invoke() runs. With exactly one required string property, as here, users can call the
    // tool with bare text: `tinyllm tool @NAME@ "abc"`. TODO: your tool's arguments; each
    // "description" tells the model what to put there.
    static constexpr const char *kParameters = R"({
  "type": "object",
  "properties": {
    "text": {"type": "string", "description": "The text to reverse."}
  },
  "required": ["text"],
  "additionalProperties": false
})";
    // JSON Schema of the instance config (tools.yaml's `tools[].config`). The host fills the
    // defaults and validates before the constructor runs; `tinyllm plugins inspect` shows it.
    // TODO: replace `max_length` with your tool's settings (limits, paths, an endpoint...).
    static constexpr const char *kConfigSchema = R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "@NAME@ tool",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "max_length": {
      "type": "integer",
      "minimum": 1,
      "maximum": 1000000,
      "default": 10000,
      "description": "Longest text accepted, in bytes."
    }
  }
})";
    // One instance serves every run and invoke() may run concurrently. If yours cannot,
    // uncomment this and the host will serialize the calls:
    // static constexpr uint32_t kFlags = TLLM_COMPONENT_SERIALIZED;

    // Runs when the host first uses the tool (once per tools.yaml entry, or once with the
    // schema's defaults). Throwing here reports "create failed" with the message.
    @CLASS@(tinyllm::sdk::Host host, std::string_view config_json) : host_(host) {
        if (const auto value = raw_member(config_json, "max_length")) {
            const auto [end, ec] =
                std::from_chars(value->data(), value->data() + value->size(), max_length_);
            if (ec != std::errc{} || end != value->data() + value->size() || max_length_ < 1) {
                throw tinyllm::sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                                          "max_length must be a positive integer");
            }
        }
        // Plugins log through the host, never to stdout or stderr.
        host_.debug("@NAME@ tool created");
    }

    // arguments (they match kParameters) -> {"content": "...", "is_error": false, ...}.
    // `content` is what the model reads as the tool message and what `tinyllm tool` prints.
    std::string invoke(tinyllm::sdk::Call &call, std::string_view arguments_json) override {
        call.check_cancelled();
        const auto raw = raw_member(arguments_json, "text");
        if (!raw) throw tinyllm::sdk::Error(TLLM_ERR_INVALID_ARGUMENT, "\"text\" is missing");
        const std::string text = json_unescape(*raw);
        if (text.size() > max_length_) {
            // Input the tool cannot use: a non-OK status whose message the model reads (as
            // "error: ...") so it can try again. Other statuses: TLLM_ERR_UNAVAILABLE (something
            // the tool needs is missing), TLLM_ERR_TIMEOUT; tinyllm::sdk::Error chooses it.
            throw tinyllm::sdk::Error(TLLM_ERR_INVALID_ARGUMENT,
                                      "the text is " + std::to_string(text.size()) +
                                          " bytes long; at most " +
                                          std::to_string(max_length_) + " are accepted");
        }

        // TODO: your logic. Long work polls call.cancelled() / call.check_cancelled() and
        // honours call.remaining_ms() (-1 = no deadline).
        size_t characters = 0;
        const std::string reversed = reverse_utf8(text, characters);

        // tool_result(content, is_error, extra members): is_error = true reports an outcome that
        // failed while the tool itself worked (a program that exited non-zero). The extra
        // members (here the character count) are shown by `tinyllm tool --json` and traces.
        return tinyllm::sdk::tool_result(reversed, false,
                                         ",\"characters\":" + std::to_string(characters));
    }

    // `tinyllm doctor` asks every tool whether it can work on this machine:
    // {"detail": "...", "warning": false}, or throw tinyllm::sdk::Error saying what is missing
    // and how to fix it. This template needs nothing; a tool that needs a program, a file or a
    // server checks for it here, e.g.
    //     if (!std::filesystem::exists("/usr/bin/thing"))
    //         throw tinyllm::sdk::Error(TLLM_ERR_UNAVAILABLE, "needs thing: apt install thing");
    // ("warning": true flags a tool that works in a degraded way). Without this override the
    // answer is {"detail":"ready","warning":false}.
    std::string check(tinyllm::sdk::Call &) override {
        return "{\"detail\":\"ready, texts up to " + std::to_string(max_length_) +
               " bytes\",\"warning\":false}";
    }

private:
    tinyllm::sdk::Host host_;
    size_t max_length_ = 10000;
};
CPP
        ;;
    esac
    render <<'CPP'

constexpr tinyllm::sdk::PluginInfo kInfo{
    .id = "org.example.@NAME@", // TODO: a reverse-DNS id you own; it must be unique
    .name = "@NAME@ @KIND@",
    .version = "0.1.0",
    .description = "TODO: a paragraph on what this plugin provides.",
    .vendor = nullptr,  // TODO: you
    .license = nullptr, // TODO: an SPDX id, e.g. "MIT"
};

} // namespace

// The one exported symbol: the descriptor listing this plugin's components.
TINYLLM_PLUGIN(kInfo, @CLASS@)
CPP
} >"$DIR/$NAME.cpp"

# ---- README --------------------------------------------------------------------------------

{
    render <<'MD'
# tinyllm-plugin-@NAME@

A TinyLLM plugin providing the `tinyllm.@KIND@/1` component **`@NAME@`**. It was generated by
`scripts/new-plugin.sh` and does nothing useful yet: the `TODO`s in `@NAME@.cpp` mark where the
real logic goes.

It builds against the TinyLLM SDK alone (the headers `tinyllm/plugin.h` and
`tinyllm/plugin.hpp`, and `TinyLLMPlugin.cmake`); no TinyLLM host code is involved.

## Build

Needs CMake ≥ 3.25, a C++20 compiler and the SDK: a TinyLLM source tree's `sdk/` directory, or
the prefix TinyLLM is installed in.

```sh
cmake -S . -B build -G Ninja            # add -DTINYLLM_SDK_DIR=/path/to/tinyllm/sdk if needed
cmake --build build                     # -> build/tinyllm-@NAME@.so
```

`TINYLLM_SDK_DIR` defaults to the SDK of the checkout that generated this project.

## Check

```sh
# load it, then create and destroy the component with its default config:
tinyllm plugins validate build/tinyllm-@NAME@.so
# metadata, kind, config schema, file:
tinyllm --plugins build plugins inspect @NAME@
```

`validate` exits 0 when every check passes; run it after every change to the descriptor or the
config schema.

## Use

Load the plugin with `--plugins DIR` (repeatable), the `TINYLLM_PLUGIN_PATH` variable
(`:`-separated), or `plugins:` in `system.yaml`; or install it next to TinyLLM:
`cmake --install build --prefix <TinyLLM's prefix>` puts it in `lib/tinyllm/plugins/`.

MD
    case "$KIND" in
    backend)
        render <<'MD'
Then name it as a backend type in `models.yaml` (in your config dir: `--config DIR`,
`./config` or `~/.config/tinyllm`):

```yaml
backends:
  - name: mine
    type: @NAME@
    config:
      greeting: "Hello from @NAME@!"
models:
  - name: @NAME@
    backend: mine
```

```sh
tinyllm --plugins build ask --model @NAME@ "Hi"
```

## Next steps

- Replace the naive JSON lookup in `@NAME@.cpp` with a JSON library.
- Implement `chat` (and, if your server offers them, `generate`, `embed`, `show_model`,
  `pull_model`); report failures by throwing `tinyllm::sdk::Error` with a status such as
  `TLLM_ERR_UNAVAILABLE` (retryable) or `TLLM_ERR_INVALID_ARGUMENT`.
- Set a real plugin id, vendor and license in `kInfo`.
MD
        ;;
    node)
        render <<'MD'
Then use it as a node `type` in a graph file (`graphs/*.yaml` in your config dir); its
`config` is checked against the schema `plugins inspect` prints.

## Next steps

- Replace the naive JSON lookup in `@NAME@.cpp` with a JSON library.
- Implement `process`: read the message, call models through `host_.chat(call, request)`
  (a `tllm_chat_request`, docs/sdk.md#chat-from-c-data), return
  the next message and a route. Report failures by throwing `tinyllm::sdk::Error`.
- Set a real plugin id, vendor and license in `kInfo`.
MD
        ;;
    tool)
        render <<'MD'
Every tool a loaded plugin provides is available under its component name, with its default
config:

```sh
tinyllm --plugins build tool list  # @NAME@ is listed with its arguments
tinyllm --plugins build tool @NAME@ "Hello"  # prints: olleH
tinyllm --plugins build tool @NAME@ '{"text": "Hello"}' --json  # the whole result
echo "Hello" | tinyllm --plugins build tool @NAME@ -
```

The bare-text form works because the parameters schema has exactly one required string
property (`text`); otherwise pass a JSON object of arguments. `tinyllm doctor` runs the tool's
`check`.

To give it to a model, list it in a graph's `model` node (`graphs/*.yaml` in your config dir);
the model sees its name, description and parameters schema and may call it:

```yaml
nodes:
  - id: answer
    type: model
    config:
      prompt: "{{input}}"
      tools: [@NAME@]  # names from `tinyllm tool list`
```

To change its settings, or add a second instance under another name, use `tools.yaml` in your
config dir; `config` is checked against the schema `plugins inspect` prints:

```yaml
tools:
  - name: @NAME@
    config: {max_length: 1000}
```

## Next steps

- Replace the naive JSON lookup in `@NAME@.cpp` with a JSON library.
- Implement `invoke`: declare your arguments in `kParameters`, do the work, return
  `tinyllm::sdk::tool_result(content, is_error, extra)`. Throw `tinyllm::sdk::Error` with
  `TLLM_ERR_INVALID_ARGUMENT` for input the tool cannot use (the model reads the message and
  may try again), `TLLM_ERR_UNAVAILABLE` when something it needs is missing.
- Write `kDescription` for a model: what the tool does and returns.
- Make `check` test what the tool needs, for `tinyllm doctor`.
- Set a real plugin id, vendor and license in `kInfo`.
MD
        ;;
    esac
} >"$DIR/README.md"

trap - EXIT
cat <<TXT
Created $DIR: a tinyllm.$KIND/1 plugin providing the component "$NAME" (class $CLASS).
  cd $DIR && cmake -S . -B build -G Ninja && cmake --build build
  tinyllm plugins validate build/tinyllm-$NAME.so
TXT
if [ -z "$SDK_DIR" ]; then
    echo "No SDK found next to this script: configure with -DTINYLLM_SDK_DIR=..." >&2
fi
