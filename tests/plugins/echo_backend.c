/* A plugin written in plain C11, to prove the ABI is really C: no C++ runtime, no helper
 * header, no JSON library. Its backend "chats" by echoing the last user message back, one word
 * per token event, and uses the host's logger; its node fetches the chat service
 * (tinyllm.chat/1) in activate, asks a model with it (C data in, the answer's text out) and
 * returns {"set":{"content"}}. Built with -std=c11 -pedantic. */
#include <tinyllm/plugin.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct echo_instance {
    const tllm_host *host;
    char prefix[64];
} echo_instance;

/* Minimal extraction of the last "content" value: enough for a test plugin, which trusts the
 * host to send well-formed JSON (the host validates requests before they reach a backend). */
static const char *last_content(const char *json, size_t *len) {
    const char *found = NULL;
    const char *p = json;
    while ((p = strstr(p, "\"content\":\"")) != NULL) {
        found = p + strlen("\"content\":\"");
        p = found;
    }
    if (found == NULL) return NULL;
    const char *end = found;
    while (*end && !(*end == '"' && end[-1] != '\\'))
        ++end;
    *len = (size_t)(end - found);
    return found;
}

static tllm_status echo_create(const tllm_host *host, const char *config_json, void **out,
                               char *error, size_t error_size) {
    echo_instance *inst = calloc(1, sizeof *inst);
    if (inst == NULL) {
        snprintf(error, error_size, "out of memory");
        return TLLM_ERR_INTERNAL;
    }
    inst->host = host;
    const char *p = strstr(config_json, "\"prefix\":\"");
    if (p != NULL) {
        p += strlen("\"prefix\":\"");
        size_t n = 0;
        while (p[n] && p[n] != '"' && n + 1 < sizeof inst->prefix)
            ++n;
        memcpy(inst->prefix, p, n);
        inst->prefix[n] = '\0';
    }
    host->log(host, TLLM_LOG_DEBUG, "echo backend created");
    *out = inst;
    return TLLM_OK;
}

static void echo_destroy(void *instance) {
    free(instance);
}

static tllm_status echo_chat(void *instance, const tllm_call *call, const char *request) {
    echo_instance *inst = instance;
    size_t len = 0;
    const char *text = last_content(request, &len);
    if (text == NULL) {
        call->set_error(call, TLLM_ERR_INVALID_ARGUMENT, "echo: the request has no message");
        return TLLM_ERR_INVALID_ARGUMENT;
    }
    /* One token event per word, as a model would stream them. */
    char event[512];
    size_t start = 0;
    for (size_t i = 0; i <= len; ++i) {
        if (i == len || text[i] == ' ') {
            if (call->is_cancelled(call)) {
                call->set_error(call, TLLM_ERR_CANCELLED, "echo: cancelled");
                return TLLM_ERR_CANCELLED;
            }
            int n = (int)(i - start) + (i < len ? 1 : 0);
            snprintf(event, sizeof event, "{\"type\":\"token\",\"content\":\"%s%.*s\"}",
                     start == 0 ? inst->prefix : "", n, text + start);
            call->emit(call, event);
            start = i + 1;
        }
    }
    size_t size = len + strlen(inst->prefix) + 256;
    char *out = malloc(size);
    if (out == NULL) {
        call->set_error(call, TLLM_ERR_INTERNAL, "out of memory");
        return TLLM_ERR_INTERNAL;
    }
    snprintf(out, size,
             "{\"model\":\"echo\",\"message\":{\"role\":\"assistant\",\"content\":\"%s%.*s\"},"
             "\"done\":true,\"done_reason\":\"stop\",\"eval_count\":%d}",
             inst->prefix, (int)len, text, 1);
    call->set_output(call, out); /* the host copies: we free our buffer right away */
    free(out);
    return TLLM_OK;
}

static tllm_status echo_list_models(void *instance, const tllm_call *call) {
    (void)instance;
    call->set_output(call, "{\"models\":[{\"name\":\"echo:latest\",\"size\":0}]}");
    return TLLM_OK;
}

static tllm_status echo_version(void *instance, const tllm_call *call) {
    (void)instance;
    call->set_output(call, "{\"version\":\"1.0.0\",\"endpoint\":\"in-process\"}");
    return TLLM_OK;
}

static const tllm_backend_v1 echo_vtable = {
    sizeof(tllm_backend_v1),
    echo_chat,
    NULL, /* generate */
    NULL, /* embed */
    echo_list_models,
    NULL, /* show_model */
    NULL, /* pull_model */
    echo_version,
};

/* ---- the node: c_ask ---------------------------------------------------------------------- */

typedef struct ask_instance {
    const tllm_host *host;
    const tllm_chat_service_v1 *chat; /* fetched in activate */
    char model[64];
    char prompt[256];
} ask_instance;

/* A string member of the (host-validated, compact) config; "" when absent. Test-grade. */
static void config_string(const char *config_json, const char *key, char *out, size_t size) {
    char pattern[80];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    out[0] = '\0';
    const char *p = strstr(config_json, pattern);
    if (p == NULL) return;
    p += strlen(pattern);
    size_t n = 0;
    while (p[n] && p[n] != '"' && n + 1 < size)
        ++n;
    memcpy(out, p, n);
    out[n] = '\0';
}

/* Reads the config and calls no host service but log: the chat service needs a call. */
static tllm_status ask_create(const tllm_host *host, const char *config_json, void **out,
                              char *error, size_t error_size) {
    ask_instance *inst = calloc(1, sizeof *inst);
    if (inst == NULL) {
        snprintf(error, error_size, "out of memory");
        return TLLM_ERR_INTERNAL;
    }
    inst->host = host;
    config_string(config_json, "model", inst->model, sizeof inst->model);
    config_string(config_json, "prompt", inst->prompt, sizeof inst->prompt);
    *out = inst;
    return TLLM_OK;
}

/* Fetches the chat service, as the header advises; process refuses to run without it, so a host
 * path that forgets to activate the node fails loudly. */
static tllm_status ask_activate(void *instance, const tllm_call *call) {
    ask_instance *inst = instance;
    inst->chat = inst->host->get_service(inst->host, TLLM_SERVICE_CHAT);
    if (inst->chat == NULL) {
        call->set_error(call, TLLM_ERR_UNSUPPORTED,
                        "c_ask: this host offers no " TLLM_SERVICE_CHAT);
        return TLLM_ERR_UNSUPPORTED;
    }
    return TLLM_OK;
}

/* `size` bytes of `text` as a JSON string body (no quotes), NUL bytes included, into a buffer
 * to free(); NULL when out of memory. */
static char *escape(const char *text, size_t size) {
    char *out = malloc(size * 6 + 1);
    if (out == NULL) return NULL;
    size_t used = 0;
    for (size_t i = 0; i < size; ++i) {
        const unsigned char c = (unsigned char)text[i];
        if (c == '"' || c == '\\') {
            out[used++] = '\\';
            out[used++] = (char)c;
        } else if (c < 0x20) {
            used += (size_t)snprintf(out + used, 7, "\\u%04x", c);
        } else {
            out[used++] = (char)c;
        }
    }
    out[used] = '\0';
    return out;
}

static tllm_status ask_process(void *instance, const tllm_call *call, const char *message_json) {
    (void)message_json;
    const ask_instance *inst = instance;
    if (inst->chat == NULL) {
        call->set_error(call, TLLM_ERR_INTERNAL,
                        "c_ask: process before activate (the host must activate it first)");
        return TLLM_ERR_INTERNAL;
    }
    const tllm_chat_message messages[] = {TLLM_CHAT_MESSAGE("system", "Answer briefly."),
                                          TLLM_CHAT_MESSAGE("user", inst->prompt)};
    tllm_chat_request request = TLLM_CHAT_REQUEST_INIT;
    request.model = inst->model;
    request.messages = messages;
    request.message_count = 2;
    request.stream = 1;
    tllm_chat_result result = TLLM_CHAT_RESULT_INIT;
    const tllm_status status = inst->chat->chat(inst->host, call, &request, &result);
    if (status != TLLM_OK) {
        call->set_error(call, status, result.error != NULL ? result.error : "chat failed");
        inst->chat->free_result(inst->host, &result);
        return status;
    }
    char *content = escape(result.content != NULL ? result.content : "", result.content_size);
    inst->chat->free_result(inst->host, &result);
    char *out = content != NULL ? malloc(strlen(content) + 32) : NULL;
    if (out == NULL) {
        free(content);
        call->set_error(call, TLLM_ERR_INTERNAL, "out of memory");
        return TLLM_ERR_INTERNAL;
    }
    sprintf(out, "{\"set\":{\"content\":\"%s\"}}", content);
    call->set_output(call, out);
    free(out);
    free(content);
    return TLLM_OK;
}

static const tllm_node_v1 ask_vtable = {sizeof(tllm_node_v1), ask_process, NULL};

static const tllm_component echo_components[] = {
    {
        .struct_size = sizeof(tllm_component),
        .kind = TLLM_KIND_BACKEND,
        .name = "echo",
        .description = "answers with the last user message (a C test plugin)",
        .config_schema = "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
                         "\"prefix\":{\"type\":\"string\",\"default\":\"\",\"description\":"
                         "\"text put before every answer\"}}}",
        .flags = 0,
        .create = echo_create,
        .activate = NULL, /* nothing to get ready */
        .destroy = echo_destroy,
        .vtable = &echo_vtable,
    },
    {
        .struct_size = sizeof(tllm_component),
        .kind = TLLM_KIND_NODE,
        .name = "c_ask",
        .description = "asks a model config.prompt through the chat service; the answer becomes "
                       "content (C)",
        .config_schema = "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
                         "\"model\":{\"type\":\"string\",\"default\":\"\",\"description\":\"a "
                         "models.yaml name\"},"
                         "\"prompt\":{\"type\":\"string\",\"default\":\"ping\",\"description\":"
                         "\"what to ask\"}}}",
        .flags = 0,
        .create = ask_create,
        .activate = ask_activate,
        .destroy = echo_destroy,
        .vtable = &ask_vtable,
    }};

static const tllm_plugin_descriptor echo_descriptor = {
    .abi = TLLM_ABI_VERSION_INIT,
    .struct_size = sizeof(tllm_plugin_descriptor),
    .id = "org.tinyllm.test.echo",
    .name = "Echo backend (C)",
    .version = "1.0.0",
    .description = "A backend and a node in plain C; proves the ABI is C.",
    .vendor = "TinyLLM tests",
    .license = "MIT",
    .component_count = 2,
    .components = echo_components,
    .init = NULL,
    .deinit = NULL,
};

TLLM_DEFINE_PLUGIN(echo_descriptor)
