/* A plugin written in plain C11, to prove the ABI is really C: no C++ runtime, no helper
 * header, no JSON library. Its backend "chats" by echoing the last user message back, one word
 * per token event, and uses the host's logger; its node asks a model through
 * tllm_host.chat_messages (C data in, the answer's text out) and returns {"set":{"content"}}.
 * Built with -std=c11 -pedantic. */
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

static tllm_status ask_create(const tllm_host *host, const char *config_json, void **out,
                              char *error, size_t error_size) {
    if (host->struct_size < offsetof(tllm_host, chat_messages) + sizeof host->chat_messages) {
        snprintf(error, error_size, "c_ask needs a host with chat_messages (ABI 1.2)");
        return TLLM_ERR_UNSUPPORTED;
    }
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

/* Appends `text` as a JSON string body (no quotes) to out[*used..size). */
static void append_escaped(char *out, size_t size, size_t *used, const char *text) {
    for (; *text && *used + 7 < size; ++text) {
        const unsigned char c = (unsigned char)*text;
        if (c == '"' || c == '\\') {
            out[(*used)++] = '\\';
            out[(*used)++] = (char)c;
        } else if (c < 0x20) {
            *used += (size_t)snprintf(out + *used, size - *used, "\\u%04x", c);
        } else {
            out[(*used)++] = (char)c;
        }
    }
    out[*used] = '\0';
}

static tllm_status ask_process(void *instance, const tllm_call *call, const char *message_json) {
    (void)message_json;
    const ask_instance *inst = instance;
    const tllm_chat_message messages[] = {{"system", "Answer briefly."}, {"user", inst->prompt}};
    tllm_chat_request request;
    memset(&request, 0, sizeof request);
    request.struct_size = sizeof request;
    request.model = inst->model;
    request.messages = messages;
    request.message_count = 2;
    request.stream = 1;
    request.think = -1;
    char *content = NULL;
    const tllm_status status =
        inst->host->chat_messages(inst->host, call, &request, &content, NULL, NULL);
    if (status != TLLM_OK) {
        call->set_error(call, status, content != NULL ? content : "chat failed");
        inst->host->free_string(inst->host, content);
        return status;
    }
    char out[1024] = "{\"set\":{\"content\":\"";
    size_t used = strlen(out);
    append_escaped(out, sizeof out - 4, &used, content);
    strcat(out, "\"}}");
    inst->host->free_string(inst->host, content);
    call->set_output(call, out);
    return TLLM_OK;
}

static const tllm_node_v1 ask_vtable = {sizeof(tllm_node_v1), ask_process};

static const tllm_component echo_components[] = {
    {
        sizeof(tllm_component),
        TLLM_KIND_BACKEND,
        "echo",
        "answers with the last user message (a C test plugin)",
        "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"prefix\":"
        "{\"type\":\"string\",\"default\":\"\",\"description\":\"text put before every answer\"}}}",
        0,
        echo_create,
        echo_destroy,
        &echo_vtable,
    },
    {
        sizeof(tllm_component),
        TLLM_KIND_NODE,
        "c_ask",
        "asks a model config.prompt through chat_messages; the answer becomes content (C)",
        "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
        "\"model\":{\"type\":\"string\",\"default\":\"\",\"description\":\"a models.yaml name\"},"
        "\"prompt\":{\"type\":\"string\",\"default\":\"ping\",\"description\":\"what to ask\"}}}",
        0,
        ask_create,
        echo_destroy,
        &ask_vtable,
    }};

static const tllm_plugin_descriptor echo_descriptor = {
    {TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR},
    sizeof(tllm_plugin_descriptor),
    "org.tinyllm.test.echo",
    "Echo backend (C)",
    "1.0.0",
    "A backend and a node in plain C; proves the ABI is C.",
    "TinyLLM tests",
    "MIT",
    2,
    echo_components,
    NULL,
    NULL,
};

TLLM_DEFINE_PLUGIN(echo_descriptor)
