/* A node in plain C11 that reads JSON only through the host's JSON service (tinyllm.json/1): its
 * config in create, the message in process, by JSON Pointer, nested members included; and
 * writes its output with the service's quote. Built with -std=c11 -pedantic.
 *
 * c_json: config {"pointer": "/data/items/1/name", "mode": "value"}. The output sets content
 * from the message's value at `pointer` and routes by that value's type ("string", "number",
 * "boolean", "null", "array" or "object"):
 *   mode "value":   a string as it is (NUL bytes included), anything else as compact JSON text;
 *   mode "summary": what the typed getters read: "string:<bytes>", "integer:<n>",
 *                   "number:<%g>", "boolean:true", "null", "array:<count>",
 *                   "object:<count>:<key>,<key>,...".
 * Nothing at `pointer` (or a message that is not JSON) fails with TLLM_ERR_INVALID_ARGUMENT. */
#include <tinyllm/plugin.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct json_node {
    const tllm_json_service_v1 *json;
    char *pointer;
    int summary; /* mode "summary" */
} json_node;

static const char *type_name(int32_t type) {
    switch (type) {
    case TLLM_JSON_NULL: return "null";
    case TLLM_JSON_BOOL: return "boolean";
    case TLLM_JSON_NUMBER: return "number";
    case TLLM_JSON_STRING: return "string";
    case TLLM_JSON_ARRAY: return "array";
    case TLLM_JSON_OBJECT: return "object";
    default: return "absent";
    }
}

static char *copy_of(const char *text, size_t size) {
    char *out = malloc(size + 1);
    if (out == NULL) return NULL;
    memcpy(out, text, size);
    out[size] = '\0';
    return out;
}

static void json_node_destroy(void *instance) {
    json_node *self = instance;
    free(self->pointer);
    free(self);
}

/* The JSON service is a static table of plain functions: fetching it is allowed in create. */
static tllm_status json_node_create(const tllm_host *host, const char *config_json, void **out,
                                    char *error, size_t error_size) {
    const tllm_json_service_v1 *json = host->get_service(host, TLLM_SERVICE_JSON);
    /* NULL, or a table too small for the last function this node uses. */
    if (!TLLM_HAS_FIELD(json, tllm_json_service_v1, free_text)) {
        snprintf(error, error_size, "this host offers no " TLLM_SERVICE_JSON);
        return TLLM_ERR_UNSUPPORTED;
    }
    tllm_json *config = json->parse(config_json, SIZE_MAX, error, error_size);
    if (config == NULL) return TLLM_ERR_INVALID_ARGUMENT;
    /* The host filled in the schema's defaults, so both members are there. */
    size_t size = 0;
    const char *pointer = json->string(config, "/pointer", &size);
    const char *mode = json->string(config, "/mode", NULL);
    if (pointer == NULL || mode == NULL) {
        json->free(config);
        snprintf(error, error_size, "the config has no \"pointer\" or no \"mode\" string");
        return TLLM_ERR_INVALID_ARGUMENT;
    }
    json_node *self = calloc(1, sizeof *self);
    if (self != NULL) self->pointer = copy_of(pointer, size);
    if (self == NULL || self->pointer == NULL) {
        free(self);
        json->free(config);
        snprintf(error, error_size, "out of memory");
        return TLLM_ERR_INTERNAL;
    }
    self->json = json;
    self->summary = strcmp(mode, "summary") == 0;
    json->free(config);
    *out = self;
    return TLLM_OK;
}

/* What the typed getters read at `p`, as "summary" mode describes; NULL when out of memory. */
static char *summary_of(const tllm_json_service_v1 *json, const tllm_json *doc, const char *p) {
    char head[128];
    size_t size = 0;
    int64_t integer = 0;
    double number = 0;
    int32_t boolean = 0;
    const int32_t type = json->type(doc, p);
    if (type == TLLM_JSON_STRING && json->string(doc, p, &size) != NULL) {
        snprintf(head, sizeof head, "string:%zu", size);
    } else if (json->integer(doc, p, &integer)) {
        snprintf(head, sizeof head, "integer:%lld", (long long)integer);
    } else if (json->number(doc, p, &number)) {
        snprintf(head, sizeof head, "number:%g", number);
    } else if (json->boolean(doc, p, &boolean)) {
        snprintf(head, sizeof head, "boolean:%s", boolean ? "true" : "false");
    } else if (type == TLLM_JSON_ARRAY || type == TLLM_JSON_OBJECT) {
        snprintf(head, sizeof head, "%s:%zu", type_name(type), json->count(doc, p));
    } else {
        snprintf(head, sizeof head, "%s", type_name(type));
    }
    if (type != TLLM_JSON_OBJECT) return copy_of(head, strlen(head));
    /* "object:<count>:" and the member names, comma-separated, in document order. */
    const size_t count = json->count(doc, p);
    size_t total = strlen(head) + 2;
    for (size_t i = 0; i < count; ++i)
        total += strlen(json->key(doc, p, i)) + 1;
    char *out = malloc(total);
    if (out == NULL) return NULL;
    strcpy(out, head);
    strcat(out, ":");
    for (size_t i = 0; i < count; ++i) {
        if (i > 0) strcat(out, ",");
        strcat(out, json->key(doc, p, i));
    }
    return out;
}

static tllm_status json_node_process(void *instance, const tllm_call *call,
                                     const char *message_json) {
    const json_node *self = instance;
    const tllm_json_service_v1 *json = self->json;
    char reason[256];
    char error[320];
    tllm_json *message = json->parse(message_json, SIZE_MAX, reason, sizeof reason);
    if (message == NULL) {
        snprintf(error, sizeof error, "c_json: the message: %s", reason);
        call->set_error(call, TLLM_ERR_INVALID_ARGUMENT, error);
        return TLLM_ERR_INVALID_ARGUMENT;
    }
    const int32_t type = json->type(message, self->pointer);
    if (type == TLLM_JSON_ABSENT) {
        char *quoted = json->quote(self->pointer, SIZE_MAX);
        snprintf(error, sizeof error, "c_json: nothing at %s", quoted != NULL ? quoted : "?");
        json->free_text(quoted);
        json->free(message);
        call->set_error(call, TLLM_ERR_INVALID_ARGUMENT, error);
        return TLLM_ERR_INVALID_ARGUMENT;
    }
    char *quoted = NULL;
    if (self->summary) {
        char *text = summary_of(json, message, self->pointer);
        if (text != NULL) quoted = json->quote(text, SIZE_MAX);
        free(text);
    } else if (type == TLLM_JSON_STRING) {
        size_t size = 0;
        const char *text = json->string(message, self->pointer, &size);
        quoted = json->quote(text, size); /* NUL bytes inside stay, as \u0000 */
    } else {
        char *text = json->write(message, self->pointer);
        if (text != NULL) quoted = json->quote(text, SIZE_MAX);
        json->free_text(text);
    }
    json->free(message);
    const char *route = type_name(type);
    char *out = quoted != NULL ? malloc(strlen(quoted) + strlen(route) + 32) : NULL;
    if (out == NULL) {
        json->free_text(quoted);
        call->set_error(call, TLLM_ERR_INTERNAL, "out of memory");
        return TLLM_ERR_INTERNAL;
    }
    sprintf(out, "{\"set\":{\"content\":%s},\"route\":\"%s\"}", quoted, route);
    json->free_text(quoted);
    call->set_output(call, out);
    free(out);
    return TLLM_OK;
}

static const tllm_node_v1 json_node_table = {
    .struct_size = sizeof(tllm_node_v1),
    .process = json_node_process,
};

static const tllm_component components[] = {
    {
        .struct_size = sizeof(tllm_component),
        .kind = TLLM_KIND_NODE,
        .name = "c_json",
        .description = "sets content from the message's value at config.pointer, read through "
                       "the JSON service (C)",
        .config_schema =
            "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
            "\"pointer\":{\"type\":\"string\",\"default\":\"/data/items/1/name\","
            "\"description\":\"a JSON Pointer into the message\"},"
            "\"mode\":{\"enum\":[\"value\",\"summary\"],\"default\":\"value\","
            "\"description\":\"value: the value itself; summary: its type and what the typed "
            "getters read\"}}}",
        .create = json_node_create,
        .destroy = json_node_destroy,
        .vtable = &json_node_table,
    },
};

static const tllm_plugin_descriptor descriptor = {
    .abi = TLLM_ABI_VERSION_INIT,
    .struct_size = sizeof(tllm_plugin_descriptor),
    .id = "org.tinyllm.test.c-json",
    .name = "JSON service node (C)",
    .version = "1.0.0",
    .description = "A node in plain C that reads nested JSON through the host's JSON service.",
    .vendor = "TinyLLM tests",
    .license = "MIT",
    .component_count = sizeof components / sizeof components[0],
    .components = components,
};

TLLM_DEFINE_PLUGIN(descriptor)
