/*
 * TinyLLM plugin ABI — the only header a plugin needs.
 *
 * Pure C (C99 or later); usable from C, C++, Rust, Zig and anything with a C FFI.
 * Full documentation: docs/sdk.md. The short version:
 *
 *   - A plugin is a shared library exporting ONE function, `tinyllm_plugin_entry`, that returns a
 *     pointer to a static `tllm_plugin_descriptor`. Its first field is the ABI version.
 *   - The host accepts a plugin whose major equals the host's and whose minor is not newer.
 *   - A plugin provides one or more *components*. Each component has a kind, named by a versioned
 *     interface id ("tinyllm.backend/1"), and a kind-specific const function table (`vtable`).
 *     A breaking change to a kind is a new id ("tinyllm.backend/2"), never an edited struct.
 *   - Only C types cross the boundary. Structured data crosses as UTF-8 JSON text; the schema of
 *     each document is given next to the function that takes or produces it (and in docs/sdk.md).
 *   - Ownership: strings passed INTO a function are borrowed for the duration of the call. Results
 *     a plugin produces are handed to the host through `tllm_call` functions, which copy. Strings
 *     the host returns to a plugin are freed with `tllm_host.free_string`.
 *   - No exception or longjmp may cross the boundary. Report errors with a `tllm_status` and a
 *     message (see tllm_call.set_error).
 *
 * Threading tags used below (taken from CLAP):
 *   [any-thread]     may be called from any thread, concurrently with other calls.
 *   [load-thread]    called by the host on the thread that loads plugins, never concurrently
 *                    with any other call into the same plugin.
 *   [call-thread]    only on the thread that is running the call the handle belongs to.
 */
#ifndef TINYLLM_PLUGIN_H
#define TINYLLM_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Versioning                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Bump MAJOR for any change that breaks an existing plugin binary (reordering a published
 * struct, changing a function's signature). Bump MINOR when adding something old plugins can
 * ignore (a new host service appended at the end of tllm_host, a new component kind). */
#define TLLM_ABI_VERSION_MAJOR 1
#define TLLM_ABI_VERSION_MINOR 2

typedef struct tllm_abi_version {
    uint32_t major;
    uint32_t minor;
} tllm_abi_version;

/* The name of the one symbol every plugin exports. */
#define TLLM_PLUGIN_ENTRY_SYMBOL "tinyllm_plugin_entry"

#if defined(_WIN32)
#define TLLM_EXPORT __declspec(dllexport)
#else
#define TLLM_EXPORT __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------------------------------ */
/* Status codes                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* Every fallible function returns one of these. Values are stable; new codes may be added in a
 * minor version, so treat unknown values as TLLM_ERR_INTERNAL. */
typedef enum tllm_status {
    TLLM_OK = 0,
    TLLM_ERR_INVALID_ARGUMENT = 1, /* the request JSON or config is wrong: not retryable      */
    TLLM_ERR_NOT_FOUND = 2,        /* unknown model, tool, component...                        */
    TLLM_ERR_UNAVAILABLE = 3,      /* server down, connection refused, overloaded: retryable   */
    TLLM_ERR_TIMEOUT = 4,          /* a connect/read/wall-clock deadline passed: retryable     */
    TLLM_ERR_CANCELLED = 5,        /* the call was cancelled (tllm_call.is_cancelled)          */
    TLLM_ERR_PROTOCOL = 6,         /* the peer answered something that is not what was agreed  */
    TLLM_ERR_UNSUPPORTED = 7,      /* this component does not implement the operation          */
    TLLM_ERR_REMOTE = 8,           /* the remote side reported an error (e.g. model failed)    */
    TLLM_ERR_INTERNAL = 9          /* a bug or an unexpected condition in the plugin           */
} tllm_status;

typedef enum tllm_log_level {
    TLLM_LOG_TRACE = 0,
    TLLM_LOG_DEBUG = 1,
    TLLM_LOG_INFO = 2,
    TLLM_LOG_WARN = 3,
    TLLM_LOG_ERROR = 4
} tllm_log_level;

/* ------------------------------------------------------------------------------------------ */
/* tllm_call — one invocation of a component function                                         */
/* ------------------------------------------------------------------------------------------ */

/* The host creates a tllm_call for every call into a component (a chat request, a tool
 * invocation...). It carries the cancellation flag, the event stream and the result slot.
 * The pointer is valid until the component function returns; do not keep it. */
typedef struct tllm_call tllm_call;
struct tllm_call {
    uint32_t struct_size; /* sizeof(tllm_call) as the host built it */
    void *host_data;      /* reserved for the host */

    /* Non-zero once the caller wants the call to stop (Ctrl-C, a timeout, a lost race). Poll it
     * in long loops and return TLLM_ERR_CANCELLED promptly. [any-thread] */
    int32_t (*is_cancelled)(const tllm_call *call);

    /* Milliseconds left before the caller's deadline, or -1 when there is none. [any-thread] */
    int64_t (*remaining_ms)(const tllm_call *call);

    /* Emit one event (UTF-8 JSON object, copied by the host) to whoever runs the call: streamed
     * tokens and progress. Schemas (docs/sdk.md#events):
     *   {"type":"token","content":"..."}         a piece of model output
     *   {"type":"thinking","content":"..."}      a piece of model reasoning (think: true)
     *   {"type":"progress","status":"...","completed":N,"total":N}   long work, e.g. a pull
     * Events are delivered in the order they are emitted. [call-thread] */
    void (*emit)(const tllm_call *call, const char *event_json);

    /* Set the result document (UTF-8 JSON, copied by the host). Calling it again replaces the
     * previous result. The schema depends on the function. [call-thread] */
    void (*set_output)(const tllm_call *call, const char *json);

    /* Describe the error behind a non-OK status (UTF-8, one line, copied by the host). Return
     * the same status from the function. [call-thread] */
    void (*set_error)(const tllm_call *call, tllm_status status, const char *message);
};

/* ------------------------------------------------------------------------------------------ */
/* tllm_host — services the host offers to one component instance                             */
/* ------------------------------------------------------------------------------------------ */

/* A chat request as C data, for tllm_host.chat_messages (since ABI 1.2): the plain-text
 * conversations most nodes send, without writing a JSON document for the host to read back.
 * Strings are NUL-terminated UTF-8 (text that holds a NUL byte goes as JSON through `chat`,
 * which can say \u0000); the host copies what it keeps. */
typedef struct tllm_chat_message {
    const char *role;    /* "system", "user", "assistant" or "tool" */
    const char *content; /* the text */
} tllm_chat_message;

typedef struct tllm_chat_request {
    uint32_t struct_size;              /* sizeof(tllm_chat_request) as the plugin built it */
    const char *model;                 /* a models.yaml name; NULL or "" for default_model */
    const tllm_chat_message *messages; /* in conversation order */
    uint32_t message_count;            /* at least 1 */
    int32_t stream;                    /* non-zero: tokens arrive as events on the call */
    const char *options_json;          /* NULL, or a JSON object of model options; its keys win
                                          over the model's options in models.yaml */
    const char *format_json;           /* NULL, or JSON: "json" (with the quotes) or a JSON
                                          Schema object the answer must follow */
    int32_t think;                     /* -1: as configured, 0: false, 1: true */
} tllm_chat_request;

/* The host hands every instance its own tllm_host (so logs are tagged with the instance). It
 * stays valid until the instance is destroyed. New services are appended at the end in a minor
 * version; check `struct_size` before using a field added after 1.0. */
typedef struct tllm_host tllm_host;
struct tllm_host {
    uint32_t struct_size;
    tllm_abi_version abi; /* the host's ABI version */
    void *host_data;      /* reserved for the host */

    /* Log a UTF-8 line through the host's logger, tagged with this instance. Plugins never write
     * to stdout or stderr themselves. [any-thread] */
    void (*log)(const tllm_host *host, tllm_log_level level, const char *message);

    /* Non-zero when a message at `level` would be written; lets a plugin skip formatting.
     * [any-thread] */
    int32_t (*log_enabled)(const tllm_host *host, tllm_log_level level);

    /* Call a model through whichever backend the config (models.yaml) names for it.
     * `request_json` is a chat request (docs/sdk.md#chat-request); its "model" is a model name
     * from models.yaml, or empty/absent for the configured default. Tokens are forwarded as
     * events to `call` when the request has "stream": true. Cancellation of `call` cancels the
     * model call.
     * On TLLM_OK, *out_json receives the chat response (docs/sdk.md#chat-response); on failure
     * it receives the error message. Either way the caller owns it: release it with
     * free_string. [any-thread, but `call` must be the call the plugin is running] */
    tllm_status (*chat)(const tllm_host *host, const tllm_call *call, const char *request_json,
                        char **out_json);

    /* Invoke a tool by name with a JSON arguments object (docs/sdk.md#tools). Same conventions
     * as `chat`; *out_json receives the tool's result document or the error message. The
     * arguments are checked against the tool's parameters schema first (TLLM_ERR_INVALID_ARGUMENT
     * naming the offending argument), and the call is recorded in the run's trace.
     * [any-thread, but `call` must be the call the plugin is running] */
    tllm_status (*call_tool)(const tllm_host *host, const tllm_call *call, const char *tool_name,
                             const char *arguments_json, char **out_json);

    /* Release a string the host returned. NULL is ignored. [any-thread] */
    void (*free_string)(const tllm_host *host, char *string);

    /* Since ABI 1.1 (check struct_size). A tool's definition as a model's chat request takes it
     * in "tools": {"type":"function","function":{"name":"...","description":"...",
     * "parameters":{...JSON Schema...}}}. *out_json receives it, or the error message (an
     * unknown or disabled tool: TLLM_ERR_NOT_FOUND); free it with free_string. [any-thread] */
    tllm_status (*describe_tool)(const tllm_host *host, const char *tool_name, char **out_json);

    /* Since ABI 1.2 (check struct_size). A chat call from C data: the host writes the request
     * (with the model's models.yaml options, keep_alive and think, as for `chat`), calls the
     * backend, checks its answer and hands back the answer's text, so a node that asks a
     * question and wants the answer handles no JSON at all. Tokens are emitted to `call` when
     * request->stream is non-zero; cancellation of `call` cancels the model call.
     * On TLLM_OK *out_content receives the answer's message content, NUL-terminated, and its
     * length in bytes goes to *out_content_size when that is not NULL (a model may answer a NUL
     * byte; the length keeps what follows it). When out_response_json is not NULL,
     * *out_response_json receives the whole chat response (docs/sdk.md#chat-response: token
     * counts, timings). On failure *out_content receives the error message (an invalid request:
     * TLLM_ERR_INVALID_ARGUMENT naming the field) and *out_response_json is NULL. The caller
     * owns what it receives: release it with free_string. Requests with tools, images or other
     * members go through `chat`. [any-thread, but `call` must be the call the plugin is running] */
    tllm_status (*chat_messages)(const tllm_host *host, const tllm_call *call,
                                 const tllm_chat_request *request, char **out_content,
                                 size_t *out_content_size, char **out_response_json);
};

/* ------------------------------------------------------------------------------------------ */
/* Components                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Interface ids of the component kinds this ABI version defines. The vtable of a component is
 * the struct named next to its id. New kinds (judges, mutations) are added in a later minor
 * version, once designed. A host reports a component of a kind it does not know as
 * "unsupported kind" and does not create it; the plugin's other components still load. */
#define TLLM_KIND_BACKEND "tinyllm.backend/1" /* tllm_backend_v1: a model server client         */
#define TLLM_KIND_NODE "tinyllm.node/1"       /* tllm_node_v1: a step of a graph                */
#define TLLM_KIND_TOOL "tinyllm.tool/1"       /* tllm_tool_v1: an exact capability (ABI 1.1)    */

/* Flags describing a component's concurrency (tllm_component.flags). */
#define TLLM_COMPONENT_SERIALIZED 0x1u /* host never runs two calls of one instance at once */

typedef struct tllm_component tllm_component;
struct tllm_component {
    uint32_t struct_size;    /* sizeof(tllm_component) as the plugin was built */
    const char *kind;        /* interface id, e.g. TLLM_KIND_BACKEND */
    const char *name;        /* unique within its kind across all plugins: [a-z0-9_.-]+ */
    const char *description; /* one line, shown by `tinyllm plugins list` */

    /* JSON Schema (draft-04 subset) of the instance config, or NULL for "no config". The host
     * validates the config against it before `create` and prints it in `plugins inspect`.
     * A string property may carry "x-env": "VAR" — when VAR is set in the environment, the
     * host uses its value for that property (e.g. OLLAMA_HOST for a server URL). */
    const char *config_schema;

    uint32_t flags; /* TLLM_COMPONENT_* */

    /* Create an instance from its config (a JSON object that passed config_schema). The
     * instance keeps `host` for its lifetime. On failure write a one-line reason into `error`
     * (at most error_size bytes, NUL-terminated) and return a non-OK status. Heavy work (model
     * checks, connections) belongs here or later, never in tinyllm_plugin_entry. [load-thread] */
    tllm_status (*create)(const tllm_host *host, const char *config_json, void **out_instance,
                          char *error, size_t error_size);

    /* Destroy an instance. No other call on it is running or will start. [load-thread] */
    void (*destroy)(void *instance);

    /* The kind-specific function table: const, static, matching `kind`. */
    const void *vtable;
};

/* ------------------------------------------------------------------------------------------ */
/* tinyllm.backend/1 — a model server client                                                   */
/* ------------------------------------------------------------------------------------------ */

/* Every function receives the instance, the call and (where it takes one) a request document,
 * and reports its result with call->set_output or its failure with call->set_error + the
 * returned status. A function a backend does not offer may be NULL (the host answers
 * TLLM_ERR_UNSUPPORTED). Unless the component has TLLM_COMPONENT_SERIALIZED, every function
 * is [any-thread] and may run concurrently on the same instance.
 * Document schemas follow Ollama's API and are spelled out in docs/sdk.md#backend. */
typedef struct tllm_backend_v1 {
    uint32_t struct_size;

    /* chat-request -> chat-response; streams {"type":"token"} events when "stream": true. */
    tllm_status (*chat)(void *instance, const tllm_call *call, const char *request_json);

    /* generate-request -> generate-response; streams token events when "stream": true. */
    tllm_status (*generate)(void *instance, const tllm_call *call, const char *request_json);

    /* embed-request {"model","input"} -> {"model","embeddings":[[...]]}. */
    tllm_status (*embed)(void *instance, const tllm_call *call, const char *request_json);

    /* no request -> {"models":[{"name","size","digest","modified_at","details":{...}}]} */
    tllm_status (*list_models)(void *instance, const tllm_call *call);

    /* {"model"} -> model details (Ollama's /api/show document). */
    tllm_status (*show_model)(void *instance, const tllm_call *call, const char *request_json);

    /* {"model"} -> {"status":"success"}; emits {"type":"progress"} events while pulling. */
    tllm_status (*pull_model)(void *instance, const tllm_call *call, const char *request_json);

    /* no request -> {"version":"...","endpoint":"..."}; the cheap reachability check doctor
     * uses. */
    tllm_status (*server_version)(void *instance, const tllm_call *call);
} tllm_backend_v1;

/* ------------------------------------------------------------------------------------------ */
/* tinyllm.node/1 — a step of a graph                                                          */
/* ------------------------------------------------------------------------------------------ */

/* A node receives the run's current message and returns the next one. The host creates one
 * instance per node of a graph (with that node's `config`), and may run `process` on it for
 * several runs at once from different threads unless the component sets
 * TLLM_COMPONENT_SERIALIZED.
 *
 * Input (docs/sdk.md#graph-messages): the message, a JSON object such as
 *   {"input":"what is 2+2?","content":"what is 2+2?","route":"","attempt":1,"data":{}}
 * Output, through call->set_output, one of:
 *   {"message":{...the next message...},"route":"math"}   the whole next message
 *   {"set":{"content":"4"},"route":"math"}                 since ABI 1.2: the input message
 *                                                            with these members replaced/added
 * "route" is optional; graph edges may test it (`route == "math"`). A node that only routes
 * may return {"set":{},"route":"..."}. Model calls go through tllm_host.chat with this call, so
 * their tokens stream to whoever runs the graph and they are recorded in the run's trace. */
typedef struct tllm_node_v1 {
    uint32_t struct_size;
    tllm_status (*process)(void *instance, const tllm_call *call, const char *message_json);
} tllm_node_v1;

/* ------------------------------------------------------------------------------------------ */
/* tinyllm.tool/1 — an exact capability models can call (since ABI 1.1)                        */
/* ------------------------------------------------------------------------------------------ */

/* A tool does one exact thing (arithmetic, running code) for a model or a user. Its
 * tllm_component.description is what the model reads to decide when to call it, so write it for
 * a model: what the tool does and what it returns, in one or two sentences.
 *
 * parameters_schema: a JSON Schema of the arguments object, in the shape Ollama's
 *   tools[].function.parameters takes:
 *     {"type":"object","properties":{"expression":{"type":"string","description":"..."}},
 *      "required":["expression"]}
 *   The host sends it to models as it is and validates every call's arguments against it
 *   before `invoke` (draft-04 subset, like config schemas). A tool whose schema has exactly
 *   one required string property can be called from the command line with a bare string
 *   (`tinyllm tool calculator "2 + 2"`).
 *
 * invoke: arguments (a JSON object that passed parameters_schema) -> result document, through
 *   call->set_output:
 *     {"content":"4", "is_error":false, ...tool-specific fields}
 *   "content" (string, required) is what the model reads as the `role: tool` message and what
 *   `tinyllm tool` prints. "is_error": true says the tool ran and the outcome is a failure the
 *   caller should see (a program that exited non-zero); the status is still TLLM_OK.
 *   A non-OK status says the tool could not do its work (an expression that does not parse:
 *   TLLM_ERR_INVALID_ARGUMENT; a sandbox that is not available: TLLM_ERR_UNAVAILABLE; a
 *   wall-clock limit: TLLM_ERR_TIMEOUT); the message goes back to the model as a tool error.
 *   Long work polls call->is_cancelled and honours call->remaining_ms.
 *   [any-thread] unless the component sets TLLM_COMPONENT_SERIALIZED. */
typedef struct tllm_tool_v1 {
    uint32_t struct_size;
    const char *parameters_schema; /* static JSON text, never NULL */
    tllm_status (*invoke)(void *instance, const tllm_call *call, const char *arguments_json);

    /* Optional (may be NULL). A quick check that the tool can work on this machine (the
     * sandbox it needs is usable), for `tinyllm doctor`. Output through call->set_output:
     *   {"detail":"bubblewrap sandbox works","warning":false}
     * "warning": true flags a tool that works in a degraded way (no sandbox, by config).
     * A non-OK status + message says what is missing and how to fix it. [any-thread] */
    tllm_status (*check)(void *instance, const tllm_call *call);
} tllm_tool_v1;

/* ------------------------------------------------------------------------------------------ */
/* The plugin descriptor and entry point                                                       */
/* ------------------------------------------------------------------------------------------ */

typedef struct tllm_plugin_descriptor {
    /* MUST stay the first field in every ABI version: the host reads it before anything else. */
    tllm_abi_version abi;
    uint32_t struct_size; /* sizeof(tllm_plugin_descriptor) as the plugin was built */

    const char *id;          /* reverse-DNS-ish, unique: "org.tinyllm.ollama" */
    const char *name;        /* human name: "Ollama backend" */
    const char *version;     /* the plugin's own semantic version: "1.2.0" */
    const char *description; /* one paragraph */
    const char *vendor;      /* may be NULL */
    const char *license;     /* SPDX id, may be NULL */

    uint32_t component_count;
    const tllm_component *components; /* array of component_count, static */

    /* Optional (may be NULL). Called once after the version check, before any create. Keep it
     * cheap: `tinyllm plugins list` calls it. On failure write a reason into `error` and return
     * non-OK: the plugin is reported as "init failed" and skipped. [load-thread] */
    tllm_status (*init)(char *error, size_t error_size);

    /* Optional. Called once at shutdown after every instance is destroyed. [load-thread] */
    void (*deinit)(void);
} tllm_plugin_descriptor;

/* The one exported symbol. Returns static data; must not allocate, block or fail. Use
 * TLLM_DEFINE_PLUGIN to define it. [load-thread] */
typedef const tllm_plugin_descriptor *(*tllm_plugin_entry_fn)(void);

/* Declared here, inside extern "C", so that a C++ definition gets C linkage. */
TLLM_EXPORT const tllm_plugin_descriptor *tinyllm_plugin_entry(void);

#define TLLM_DEFINE_PLUGIN(descriptor)                                                             \
    TLLM_EXPORT const tllm_plugin_descriptor *tinyllm_plugin_entry(void) {                         \
        return &(descriptor);                                                                      \
    }

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TINYLLM_PLUGIN_H */
