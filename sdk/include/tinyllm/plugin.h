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
 *     a plugin produces are handed to the host through `tllm_call` functions, which copy. What a
 *     service returns is freed with the function its comment names.
 *   - The host offers logging in `tllm_host` and everything else as services fetched by id
 *     (`get_service(host, TLLM_SERVICE_CHAT)`): chat with a model, call a tool, read JSON,
 *     read a prompt file, find a role's models, grade with a judge.
 *   - Every struct a plugin fills has a default initialiser (TLLM_CHAT_REQUEST_INIT...); in it
 *     zero and NULL mean "absent" or "the default", never anything else.
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
 * ignore (a field at the end of a table, a new service id, a new component kind). What 2.x
 * promises to keep is listed in docs/sdk.md#what-2x-keeps. */
#define TLLM_ABI_VERSION_MAJOR 2
#define TLLM_ABI_VERSION_MINOR 3

typedef struct tllm_abi_version {
    uint32_t major;
    uint32_t minor;
} tllm_abi_version;

/* The version this header declares, for tllm_plugin_descriptor.abi. */
#define TLLM_ABI_VERSION_INIT                                                                      \
    { TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR }

/* Non-zero when the table `ptr` points to (any struct of this header that starts with
 * `uint32_t struct_size`) was built with field `field` of struct type `type`: tables grow at the
 * end in minor versions, and a peer built against an older header has a smaller struct_size.
 *   if (TLLM_HAS_FIELD(result, tllm_chat_result, done_reason)) ...
 * A field that is present may still be NULL where the field's comment says it is optional. */
#define TLLM_HAS_FIELD(ptr, type, field)                                                           \
    ((ptr) != NULL &&                                                                              \
     (size_t)(ptr)->struct_size >= offsetof(type, field) + sizeof(((const type *)0)->field))

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
/* tllm_host — what the host offers to one component instance                                  */
/* ------------------------------------------------------------------------------------------ */

/* The host hands every instance its own tllm_host (so logs are tagged with the instance). It
 * stays valid until the instance is destroyed. Everything beyond logging is a *service*: a
 * const function table obtained by id with get_service, each versioned on its own (a breaking
 * change to a service is a new id, "tinyllm.chat/2", served beside the old one for as long as
 * 2.x lasts), so the host table itself never grows. */
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

    /* The service table with this id (TLLM_SERVICE_CHAT...), or NULL when this host does not
     * offer it. The pointer is static: fetch it once and keep it. Services that call models or
     * tools need a tllm_call, so they work in activate and in a kind's calls, not in create.
     * [any-thread] */
    const void *(*get_service)(const tllm_host *host, const char *service_id);

    /* Release a string a service returned to the plugin. NULL is ignored. [any-thread] */
    void (*free_string)(const tllm_host *host, char *string);
};

/* ------------------------------------------------------------------------------------------ */
/* Service "tinyllm.chat/1" — ask a model                                                      */
/* ------------------------------------------------------------------------------------------ */

#define TLLM_SERVICE_CHAT "tinyllm.chat/1" /* tllm_chat_service_v1 */

/* Whether a thinking model thinks first. Zero is "as models.yaml configures the model". */
typedef enum tllm_think {
    TLLM_THINK_DEFAULT = 0,
    TLLM_THINK_OFF = 1,
    TLLM_THINK_ON = 2
} tllm_think;

/* One message of a conversation. Strings are UTF-8 and borrowed for the duration of the call.
 * An array of them is read with the stride of its first element's struct_size, so build each
 * with TLLM_CHAT_MESSAGE(role, content) or TLLM_CHAT_MESSAGE_INIT. */
typedef struct tllm_chat_message {
    uint32_t struct_size;
    const char *role;            /* "system", "user", "assistant" or "tool" (required) */
    const char *content;         /* the text; NULL is "" */
    size_t content_size;         /* 0: content is NUL-terminated; otherwise its length in bytes
                                    (for text that holds NUL bytes) */
    const char *tool_calls_json; /* assistant messages: NULL, or the JSON array of tool calls the
                                    model made (as tllm_chat_result.tool_calls_json gave it) */
    const char *tool_name;       /* tool messages: NULL, or the tool that produced the content */
    const char *images_json;     /* NULL, or a JSON array of base64-encoded images */
} tllm_chat_message;

#define TLLM_CHAT_MESSAGE(role, content)                                                           \
    { sizeof(tllm_chat_message), (role), (content), 0, NULL, NULL, NULL }
#define TLLM_CHAT_MESSAGE_INIT TLLM_CHAT_MESSAGE(NULL, NULL)

/* A chat request. Start from TLLM_CHAT_REQUEST_INIT: every zero or NULL field means "the
 * default" as its comment says. */
typedef struct tllm_chat_request {
    uint32_t struct_size;
    const char *model;                 /* a models.yaml name; NULL or "" for default_model */
    const tllm_chat_message *messages; /* in conversation order (required) */
    uint32_t message_count;            /* at least 1 */
    int32_t stream;                    /* 0: the answer arrives whole; 1: its tokens are also
                                          emitted as events on the call while it is written */
    int32_t think;                     /* tllm_think */
    const char *options_json;          /* NULL, or a JSON object of model options; its keys win
                                          over the model's options in models.yaml */
    const char *format_json;           /* NULL, or JSON: "json" (with the quotes) or a JSON
                                          Schema object the answer must follow */
    const char *tools_json;            /* NULL, or a JSON array of tool definitions the model may
                                          call (tllm_tools_service_v1.describe gives one each) */
} tllm_chat_request;

#define TLLM_CHAT_REQUEST_INIT                                                                     \
    { sizeof(tllm_chat_request), NULL, NULL, 0, 0, TLLM_THINK_DEFAULT, NULL, NULL, NULL }

/* What a chat call hands back. The plugin declares it with TLLM_CHAT_RESULT_INIT (so the host
 * knows which fields it may fill) and releases it with tllm_chat_service_v1.free_result. Every
 * string is NUL-terminated UTF-8 owned by the result. */
typedef struct tllm_chat_result {
    uint32_t struct_size;
    char *content;             /* the answer's text ("" when the model only called tools) */
    size_t content_size;       /* its length in bytes (a model may answer a NUL byte) */
    char *thinking;            /* NULL, or the model's reasoning when it thought */
    char *tool_calls_json;     /* NULL, or the JSON array of tool calls the model asks for:
                                  [{"function":{"name":"calculator","arguments":{...}}}] */
    char *done_reason;         /* NULL, or why the model stopped: "stop", "length"... */
    int64_t prompt_tokens;     /* tokens read, or -1 when the backend did not say */
    int64_t completion_tokens; /* tokens written, or -1 when the backend did not say */
    char *error;               /* after a non-OK status: the one-line reason; otherwise NULL */
} tllm_chat_result;

#define TLLM_CHAT_RESULT_INIT                                                                      \
    { sizeof(tllm_chat_result), NULL, 0, NULL, NULL, NULL, -1, -1, NULL }

typedef struct tllm_chat_service_v1 {
    uint32_t struct_size;

    /* Ask the model `request->model` resolves to (models.yaml decides the backend, the model's
     * options, keep_alive and think). The call is recorded in the run's trace; cancelling
     * `call` cancels it. On TLLM_OK the answer is in *result; on failure result->error says why
     * (an invalid request: TLLM_ERR_INVALID_ARGUMENT naming the field). Either way release
     * *result with free_result.
     * [any-thread, but `call` must be the call the plugin is running (or activating with)] */
    tllm_status (*chat)(const tllm_host *host, const tllm_call *call,
                        const tllm_chat_request *request, tllm_chat_result *result);

    /* Free every string of *result and reset its fields to TLLM_CHAT_RESULT_INIT's values
     * (struct_size kept), so the result can be used again. [any-thread] */
    void (*free_result)(const tllm_host *host, tllm_chat_result *result);
} tllm_chat_service_v1;

/* ------------------------------------------------------------------------------------------ */
/* Service "tinyllm.tools/1" — call the configured tools                                       */
/* ------------------------------------------------------------------------------------------ */

#define TLLM_SERVICE_TOOLS "tinyllm.tools/1" /* tllm_tools_service_v1 */

typedef struct tllm_tools_service_v1 {
    uint32_t struct_size;

    /* Invoke a tool by name with a JSON arguments object (docs/sdk.md#tools). The arguments
     * are checked against the tool's parameters schema first (TLLM_ERR_INVALID_ARGUMENT naming
     * the offending argument), and the call is recorded in the run's trace. *out_json receives
     * the tool's result document on TLLM_OK and the error message otherwise; free it with
     * tllm_host.free_string.
     * [any-thread, but `call` must be the call the plugin is running] */
    tllm_status (*call)(const tllm_host *host, const tllm_call *call, const char *tool_name,
                        const char *arguments_json, char **out_json);

    /* A tool's definition as a chat request's tools_json takes it:
     *   {"type":"function","function":{"name":"...","description":"...","parameters":{...}}}
     * *out_json receives it, or the error message (an unknown or disabled tool:
     * TLLM_ERR_NOT_FOUND); free it with tllm_host.free_string. Tools exist once every component
     * is created, so ask in activate, not in create. [any-thread] */
    tllm_status (*describe)(const tllm_host *host, const char *tool_name, char **out_json);
} tllm_tools_service_v1;

/* ------------------------------------------------------------------------------------------ */
/* Service "tinyllm.json/1" — read JSON documents without a JSON library                       */
/* ------------------------------------------------------------------------------------------ */

#define TLLM_SERVICE_JSON "tinyllm.json/1" /* tllm_json_service_v1 */

/* A parsed JSON document. Reading it is [any-thread]; `set` and `remove` (since 2.3) change it
 * and must not run concurrently with any other call on the same document. */
typedef struct tllm_json tllm_json;

/* What a JSON Pointer leads to. Zero is "nothing there". */
typedef enum tllm_json_type {
    TLLM_JSON_ABSENT = 0, /* no such member or element, or the pointer is malformed */
    TLLM_JSON_NULL = 1,
    TLLM_JSON_BOOL = 2,
    TLLM_JSON_NUMBER = 3,
    TLLM_JSON_STRING = 4,
    TLLM_JSON_ARRAY = 5,
    TLLM_JSON_OBJECT = 6
} tllm_json_type;

/* Values are found by JSON Pointer (RFC 6901): "" is the document, "/messages/0/content" the
 * first message's content, "~1" stands for '/' in a name and "~0" for '~'. Every function is
 * [any-thread]; a document may be read from several threads at once (not while `set` or
 * `remove` changes it). */
typedef struct tllm_json_service_v1 {
    uint32_t struct_size;

    /* Parse `size` bytes of UTF-8 JSON (SIZE_MAX: `text` is NUL-terminated). NULL on failure,
     * with the reason and offset written into `error` (NUL-terminated, at most error_size
     * bytes). Nesting deeper than 512 levels is refused. */
    tllm_json *(*parse)(const char *text, size_t size, char *error, size_t error_size);

    /* Release a document and every string read from it. NULL is ignored. */
    void (*free)(tllm_json *doc);

    /* tllm_json_type of the value at `pointer`. */
    int32_t (*type)(const tllm_json *doc, const char *pointer);

    /* The string at `pointer`, NUL-terminated and valid until the document is freed; NULL when
     * the value is absent or not a string. *size (when size is not NULL) receives its length
     * in bytes, which counts NUL bytes inside it. */
    const char *(*string)(const tllm_json *doc, const char *pointer, size_t *size);

    /* Non-zero, with the value in *out, when the value at `pointer` is of that type: `integer`
     * takes a number with no fractional part that fits int64_t, `number` any number, `boolean`
     * true or false (*out 1 or 0). Zero, with *out untouched, otherwise. */
    int32_t (*integer)(const tllm_json *doc, const char *pointer, int64_t *out);
    int32_t (*number)(const tllm_json *doc, const char *pointer, double *out);
    int32_t (*boolean)(const tllm_json *doc, const char *pointer, int32_t *out);

    /* Elements of the array or members of the object at `pointer`; 0 for anything else. */
    size_t (*count)(const tllm_json *doc, const char *pointer);

    /* The name of member `index` of the object at `pointer` (in document order), valid until
     * the document is freed; NULL when there is no such member. */
    const char *(*key)(const tllm_json *doc, const char *pointer, size_t index);

    /* The value at `pointer` written as compact JSON text, or NULL when absent. Free it with
     * free_text. */
    char *(*write)(const tllm_json *doc, const char *pointer);

    /* `size` bytes of text (SIZE_MAX: NUL-terminated) as a JSON string literal, quotes
     * included: the way to put any text into a JSON document a plugin writes. Free it with
     * free_text. */
    char *(*quote)(const char *text, size_t size);

    /* Release what write or quote returned. NULL is ignored. */
    void (*free_text)(char *text);

    /* Since 2.3 (check with TLLM_HAS_FIELD): edit a document, the way a mutation edits a graph.
     * `set` parses `value_json` (`size` bytes, SIZE_MAX: NUL-terminated) and puts it at
     * `pointer` the way RFC 6902's "add" does: it replaces an existing member or array element,
     * adds a missing member to an existing object, and inserts into an array before the element
     * the last token names ("-": at the end). `remove` deletes the member or element at
     * `pointer` (later elements move down). Both return TLLM_OK, or TLLM_ERR_INVALID_ARGUMENT
     * with the reason in `error` (a malformed value or pointer, a parent that does not exist or
     * is not an object or array, an index out of range, the document itself for `remove`);
     * on failure the document is unchanged. Strings read from the document before the edit
     * stay valid until it is freed. */
    tllm_status (*set)(tllm_json *doc, const char *pointer, const char *value_json, size_t size,
                       char *error, size_t error_size);
    tllm_status (*remove)(tllm_json *doc, const char *pointer, char *error, size_t error_size);
} tllm_json_service_v1;

/* ------------------------------------------------------------------------------------------ */
/* Service "tinyllm.prompts/1" — prompt files by id (since 2.1)                                */
/* ------------------------------------------------------------------------------------------ */

#define TLLM_SERVICE_PROMPTS "tinyllm.prompts/1" /* tllm_prompts_service_v1 */

typedef struct tllm_prompts_service_v1 {
    uint32_t struct_size;

    /* The prompt `prompt_id` ("specialists/math": prompts/specialists/math.yaml in the config
     * dir, else the installed prompts), loaded and checked when the host started, as JSON:
     *   {"id":"specialists/math","version":"1.0.0","description":"...","system":"...",
     *    "template":"{{input}}","variables":{"input":{"required":true,"description":"..."}},
     *    "format":{...JSON Schema, absent when none...},
     *    "examples":[{"input":"what is 3*4?","output":"12"}],
     *    "model":{"role":"math","min_size":"1.5b"}}           (members of model optional)
     * The template uses only declared variables (checked at load). *out_json receives the
     * document, or the error message (an unknown id: TLLM_ERR_NOT_FOUND, naming where prompts
     * are looked for); free it with tllm_host.free_string. [any-thread] */
    tllm_status (*get)(const tllm_host *host, const char *prompt_id, char **out_json);
} tllm_prompts_service_v1;

/* ------------------------------------------------------------------------------------------ */
/* Service "tinyllm.models/1" — models by role, embeddings (since 2.1)                         */
/* ------------------------------------------------------------------------------------------ */

#define TLLM_SERVICE_MODELS "tinyllm.models/1" /* tllm_models_service_v1 */

typedef struct tllm_models_service_v1 {
    uint32_t struct_size;

    /* The models.yaml models that have `role` (models[].roles), as the role's ladder: a JSON
     * array of model names, smallest first ("size" in models.yaml, else the file's order):
     *   ["qwen2.5:0.5b","qwen2.5:1.5b","qwen2.5:3b"]
     * `min_size` (NULL or "" for none; "1.5b", "700m") keeps only models at least that large.
     * *out_json receives it, or the error (no model has the role: TLLM_ERR_NOT_FOUND naming the
     * role and the roles that exist); free it with tllm_host.free_string. [any-thread] */
    tllm_status (*role)(const tllm_host *host, const char *role, const char *min_size,
                        char **out_json);

    /* Embed texts with `model` (a models.yaml name; NULL or "" for default_model) through its
     * backend. `texts_json` is a JSON array of strings; *out_json receives
     *   {"model":"...","dimensions":768,"embeddings":[[0.1,...],...]}   (one per text, in order)
     * or the error message; free it with tllm_host.free_string. The host caches vectors in its
     * data dir, keyed by model and text, so asking again costs no model call.
     * [any-thread, but `call` must be the call the plugin is running (or activating with)] */
    tllm_status (*embed)(const tllm_host *host, const tllm_call *call, const char *model,
                         const char *texts_json, char **out_json);
} tllm_models_service_v1;

/* ------------------------------------------------------------------------------------------ */
/* Service "tinyllm.judges/1" — grade with a judge by name (since 2.2)                         */
/* ------------------------------------------------------------------------------------------ */

#define TLLM_SERVICE_JUDGES "tinyllm.judges/1" /* tllm_judges_service_v1 */

typedef struct tllm_judges_service_v1 {
    uint32_t struct_size;

    /* Grade with the judge `judge` (a judges.yaml name or a judge component's name; NULL or ""
     * for judges.yaml's default_judge). `request_json` is a grade request and *out_json
     * receives the verdict, both as tllm_judge_v1.grade describes them; the host checks the
     * request before the judge sees it and the verdict before the caller does (a verdict outside
     * the schema is TLLM_ERR_PROTOCOL, never a pass). On failure *out_json holds the message
     * (an unknown judge: TLLM_ERR_NOT_FOUND with a suggestion). Free it with
     * tllm_host.free_string.
     * [any-thread, but `call` must be the call the plugin is running] */
    tllm_status (*grade)(const tllm_host *host, const tllm_call *call, const char *judge,
                         const char *request_json, char **out_json);

    /* Pairwise: which of two outputs is better, as tllm_judge_v1.compare describes it; a judge
     * without compare answers TLLM_ERR_UNSUPPORTED. Same rules as grade.
     * [any-thread, but `call` must be the call the plugin is running] */
    tllm_status (*compare)(const tllm_host *host, const tllm_call *call, const char *judge,
                           const char *request_json, char **out_json);
} tllm_judges_service_v1;

/* ------------------------------------------------------------------------------------------ */
/* Components                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Interface ids of the component kinds this ABI version defines. The vtable of a component is
 * the struct named next to its id. New kinds are added in minor versions. A host reports a
 * component of a kind it does not know as "unsupported kind" and does not create it; the
 * plugin's other components still load. */
#define TLLM_KIND_BACKEND "tinyllm.backend/1"   /* tllm_backend_v1: a model server client */
#define TLLM_KIND_NODE "tinyllm.node/1"         /* tllm_node_v1: a step of a graph */
#define TLLM_KIND_TOOL "tinyllm.tool/1"         /* tllm_tool_v1: an exact capability */
#define TLLM_KIND_JUDGE "tinyllm.judge/1"       /* tllm_judge_v1: grades an answer (2.2) */
#define TLLM_KIND_MUTATION "tinyllm.mutation/1" /* tllm_mutation_v1: better graphs (2.3) */

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
     * host uses its value for that property (e.g. OLLAMA_HOST for a server URL). A string
     * property with "x-path": true is a file path: a relative one written in a config file is
     * made absolute against that file's directory ("~/" is HOME). A property's
     * "default" is filled in before `create`, so a plugin reads every member it declared. */
    const char *config_schema;

    uint32_t flags; /* TLLM_COMPONENT_* */

    /* Create an instance from its config (a JSON object that passed config_schema). Keep it
     * cheap and self-contained: read the config, allocate, fail on a config the component
     * cannot use. It may log and fetch services (get_service; the JSON service works here),
     * but calls no model and no tool: other components may not exist yet, and `plugins
     * validate` creates components that never run. The
     * instance keeps `host` for its lifetime. On failure write a one-line reason into `error`
     * (at most error_size bytes, NUL-terminated) and return a non-OK status. [load-thread] */
    tllm_status (*create)(const tllm_host *host, const char *config_json, void **out_instance,
                          char *error, size_t error_size);

    /* Optional (NULL: nothing to do). Make a created instance ready to run: fetch services,
     * describe the tools it will offer a model, check a server. The host calls it once, after
     * every component the graph (or command) needs is created and before the first call of the
     * kind's functions; tools and backends are activated before the nodes that use them. Host
     * services work here with `call` (its deadline is limits.request_timeout_ms). Report
     * a failure with call->set_error and the returned status: the command that needed the
     * instance fails naming it. [load-thread], never alongside another call into the instance */
    tllm_status (*activate)(void *instance, const tllm_call *call);

    /* Destroy an instance, activated or not. No other call on it is running or will start.
     * [load-thread] */
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
 *   {"set":{"content":"4"},"route":"math"}                 the input message with these
 *                                                            members replaced or added
 *   {"patch":{"data":{"gate":{"pass":true}}},"route":"pass"}  (since 2.1) a JSON merge patch
 *                                                            (RFC 7386) of the input message:
 *                                                            objects merge, null deletes
 * "route" is optional; graph edges may test it (`route == "math"`). A node that only routes
 * may return {"set":{},"route":"..."}. Model calls go through the chat service with this call,
 * so their tokens stream to whoever runs the graph and they are recorded in the run's trace. */
typedef struct tllm_node_v1 {
    uint32_t struct_size;
    tllm_status (*process)(void *instance, const tllm_call *call, const char *message_json);

    /* Optional (since 2.1; check with TLLM_HAS_FIELD, may be NULL). The routes this instance
     * may return, as a JSON array of strings ('["math","code","general"]'), or NULL when it
     * does not say (any route). The host checks them against the graph's edges when it builds
     * the graph: a declared route no edge can take, or an edge testing a route the node never
     * returns, is a build error. The text stays valid until the instance is destroyed.
     * [load-thread] */
    const char *(*routes)(void *instance);
} tllm_node_v1;

/* ------------------------------------------------------------------------------------------ */
/* tinyllm.tool/1 — an exact capability models can call                                       */
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
/* tinyllm.judge/1 — grades an answer (since 2.2)                                              */
/* ------------------------------------------------------------------------------------------ */

/* A judge tells a good answer from a bad one: for `tinyllm grade`, for a gate's `judge` rule,
 * for evaluations and for the metrics self-improvement reads. The host creates judges from
 * judges.yaml (name -> type + config) and every judge component under its own name with its
 * default config; callers pick one by name, so swapping a judge is a config edit.
 *
 * grade: a grade request -> a verdict, through call->set_output.
 *   Request (checked by the host before the judge sees it; docs/sdk.md#judges):
 *     {"input":"what is 2+2?",     the request the answer is for (string, required)
 *      "output":"2 + 2 = 4",       the answer to grade (string, required)
 *      "expected":"4",             a reference answer (string, optional)
 *      "context":{...},            anything else the caller knows (object, optional): a dataset
 *                                  example's labels and fields ("tests" of a coding task,
 *                                  "accept" alternatives), the route the run took...
 *      "rubric":"..."}             what a good answer is, in words (string, optional)
 *   Verdict (checked by the host after; anything else is a judge error, never a pass):
 *     {"score":1.0,                a number in [0, 1]: 1 is fully right
 *      "pass":true,                the judge's decision
 *      "reasons":["..."],          one line each, why (optional, default [])
 *      "labels":{"check":"numeric"}}  a flat object of strings, numbers or booleans that
 *                                  classify the verdict for failure forensics (optional)
 *   A request the judge cannot grade (it needs `expected` and there is none) is
 *   TLLM_ERR_INVALID_ARGUMENT with the reason; a model or tool the judge needed that failed is
 *   that call's status. Judges may call models (chat service), tools and other judges (judges
 *   service) with `call`.
 *
 * compare (optional, may be NULL): which of two answers is better.
 *   Request: {"input":"...","a":"first answer","b":"second answer","expected":"..."(optional),
 *             "context":{...}(optional),"rubric":"..."(optional)}
 *   Verdict: {"preference":"a"|"b"|"tie","reasons":["..."],"labels":{...}}
 *
 * Both are [any-thread] unless the component sets TLLM_COMPONENT_SERIALIZED. */
typedef struct tllm_judge_v1 {
    uint32_t struct_size;
    tllm_status (*grade)(void *instance, const tllm_call *call, const char *request_json);
    tllm_status (*compare)(void *instance, const tllm_call *call, const char *request_json);
} tllm_judge_v1;

/* ------------------------------------------------------------------------------------------ */
/* tinyllm.mutation/1 — proposes a better graph for a node that keeps failing (since 2.3)      */
/* ------------------------------------------------------------------------------------------ */

/* A mutation is one strategy of self-improvement (docs/self-improvement.md): given a graph, the
 * node that fails too often, what failure forensics found and the node's metrics, it proposes
 * changed graphs. It never changes anything itself: the host checks every candidate exactly as
 * it checks a graph file, then tests it against the current graph (offline, then on a share of
 * live traffic) and promotes it only when the evidence says it is better. The host creates
 * mutations from expansion.yaml's strategies (name -> type + config) and every mutation
 * component under its own name with its default config.
 *
 * propose: an expansion request -> candidates, through call->set_output.
 *   Request (docs/sdk.md#mutations):
 *     {"graph":{...},              the graph as a graph file holds it, as JSON, defaults filled in
 *      "node":"specialist.math",   the node to improve: one of graph.nodes[].id
 *      "failures":[                what forensics found on the node's failing runs, most first
 *        {"category":"judge_verdict","key":"failure=wrong_number","count":31,
 *         "labels":{"word_problems":25,"arithmetic":6},  dataset labels (labels.category)
 *         "examples":[{"input":"...","output":"...","expected":"...","reasons":["..."],
 *                      "label":"word_problems","tools":["calculator"]}]}],
 *      "metrics":{"requests":140,"graded":140,"failures":52,"failure_rate":0.371,
 *                 "labels":{"word_problems":{"graded":70,"failures":38}, ...},
 *                 "models":{"qwen2.5:1.5b":140},   model calls by model
 *                 "tools":{"calculator":60}},     tool calls by tool
 *      "roles":{"math":["qwen2.5:1.5b","qwen2.5:3b"], ...}}   each role's ladder, smallest first
 *   Output:
 *     {"candidates":[{"graph":{...},             the whole changed graph (its id unchanged; the
 *                                                host gives it the next version and a parent)
 *                     "rationale":"...",         why it should do better, one paragraph
 *                     "touched_nodes":["..."]}], ids of the nodes it adds or changes
 *      "reasons":["..."]}                        optional: why there are few or no candidates
 *   No candidate is a valid answer (a calculator for a node whose failures are not arithmetic
 *   would not help). The graph is edited most easily through the json service's set/remove.
 *   Mutations may call models (an LLM rewriting a prompt), prompts and tools with `call`.
 *   [any-thread] unless the component sets TLLM_COMPONENT_SERIALIZED. */
typedef struct tllm_mutation_v1 {
    uint32_t struct_size;
    tllm_status (*propose)(void *instance, const tllm_call *call, const char *request_json);
} tllm_mutation_v1;

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

    /* Optional (may be NULL). Called once after the version check, before any create, with the
     * absolute path of the plugin's own file (so it can find data installed beside it). Keep it
     * cheap and quiet: the plugin scanner calls it in a child process too. On failure write a
     * reason into `error` and return non-OK: the plugin is reported as "init failed" and
     * skipped. [load-thread] */
    tllm_status (*init)(const char *plugin_path, char *error, size_t error_size);

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
