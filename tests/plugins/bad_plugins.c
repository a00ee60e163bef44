/* Plugins that break the contract in one way each, so the host's refusals are tested. Each is
 * compiled into its own .so with one BAD_* macro defined (see CMakeLists.txt). */
#include <tinyllm/plugin.h>

#include <stdio.h>

#if defined(BAD_COMPONENT) || defined(BAD_UNKNOWN_KIND) || defined(BAD_MUTATION)
/* A component that creates and destroys fine, beside the broken ones (no activate: optional). */
static tllm_status ok_create(const tllm_host *h, const char *c, void **out, char *e, size_t n) {
    (void)h;
    (void)c;
    (void)e;
    (void)n;
    static int token;
    *out = &token;
    return TLLM_OK;
}
static void ok_destroy(void *i) {
    (void)i;
}
#endif

#if defined(BAD_NO_ENTRY)
/* A perfectly good shared library that simply is not a TinyLLM plugin. */
TLLM_EXPORT int some_other_library_function(void);
TLLM_EXPORT int some_other_library_function(void) {
    return 42;
}

#elif defined(BAD_MISSING_SYMBOL)
/* Needs a symbol nothing provides: dlopen(RTLD_NOW) must fail with "undefined symbol". */
extern int tinyllm_test_symbol_nobody_provides(void);
TLLM_EXPORT int uses_missing(void);
TLLM_EXPORT int uses_missing(void) {
    return tinyllm_test_symbol_nobody_provides();
}

#elif defined(BAD_MISSING_LIBRARY)
/* Linked against a library the loader will not find (see CMakeLists.txt). */
extern int tinyllm_test_dependency_value(void);
static const tllm_plugin_descriptor descriptor = {
    .abi = TLLM_ABI_VERSION_INIT,
    .struct_size = sizeof(tllm_plugin_descriptor),
    .id = "org.tinyllm.test.missing-library",
    .name = "Missing library",
    .version = "1.0.0",
    .description = "",
};
TLLM_EXPORT int call_dependency(void);
TLLM_EXPORT int call_dependency(void) {
    return tinyllm_test_dependency_value();
}
TLLM_DEFINE_PLUGIN(descriptor)

#elif defined(BAD_MAJOR) || defined(BAD_MINOR)
#if defined(BAD_MAJOR)
/* A newer major than the host's: what an ABI 3.x plugin looks like to a 2.x host. */
#define ABI                                                                                        \
    { TLLM_ABI_VERSION_MAJOR + 1, 0 }
#define ID "org.tinyllm.test.abi-major"
#else
/* The host's major with a minor newer than the host's. */
#define ABI                                                                                        \
    { TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR + 1 }
#define ID "org.tinyllm.test.abi-minor"
#endif
static const tllm_plugin_descriptor descriptor = {
    .abi = ABI,
    .struct_size = sizeof(tllm_plugin_descriptor),
    .id = ID,
    .name = "ABI mismatch",
    .version = "1.0.0",
    .description = "",
};
TLLM_DEFINE_PLUGIN(descriptor)

#elif defined(BAD_INIT)
/* Fails with its own message; with another one when the host did not pass the plugin's absolute
 * path, so the loader's tests also check that init receives it. */
static tllm_status failing_init(const char *plugin_path, char *error, size_t size) {
    if (plugin_path == NULL || plugin_path[0] != '/') {
        snprintf(error, size, "init was given no absolute plugin path (got %s)",
                 plugin_path == NULL ? "NULL" : plugin_path);
        return TLLM_ERR_INVALID_ARGUMENT;
    }
    snprintf(error, size, "license key not found in $TEST_LICENSE");
    return TLLM_ERR_NOT_FOUND;
}
static const tllm_plugin_descriptor descriptor = {
    .abi = TLLM_ABI_VERSION_INIT,
    .struct_size = sizeof(tllm_plugin_descriptor),
    .id = "org.tinyllm.test.init-fails",
    .name = "Init fails",
    .version = "1.0.0",
    .description = "",
    .init = failing_init,
};
TLLM_DEFINE_PLUGIN(descriptor)

#elif defined(BAD_COMPONENT)
/* One good component next to one without create(): the good one must still load. */
static const tllm_backend_v1 table = {.struct_size = sizeof(tllm_backend_v1)};
static const tllm_component components[] = {
    {
        .struct_size = sizeof(tllm_component),
        .kind = TLLM_KIND_BACKEND,
        .name = "half-good",
        .description = "fine",
        .create = ok_create,
        .destroy = ok_destroy,
        .vtable = &table,
    },
    {
        .struct_size = sizeof(tllm_component),
        .kind = TLLM_KIND_BACKEND,
        .name = "Bad Name",
        .description = "invalid",
        .vtable = &table,
    },
};
static const tllm_plugin_descriptor descriptor = {
    .abi = TLLM_ABI_VERSION_INIT,
    .struct_size = sizeof(tllm_plugin_descriptor),
    .id = "org.tinyllm.test.bad-component",
    .name = "Bad component",
    .version = "1.0.0",
    .description = "",
    .component_count = 2,
    .components = components,
};
TLLM_DEFINE_PLUGIN(descriptor)

#elif defined(BAD_UNKNOWN_KIND)
/* A good backend next to components of kinds this host does not define: one a newer host might
 * define and a made-up one. Their create and activate abort, so creating or activating one would
 * end the test loudly. */
#include <stdlib.h>
static tllm_status never_create(const tllm_host *h, const char *c, void **out, char *e, size_t n) {
    (void)h;
    (void)c;
    (void)out;
    (void)e;
    (void)n;
    abort();
}
static tllm_status never_activate(void *instance, const tllm_call *call) {
    (void)instance;
    (void)call;
    abort();
}
static const tllm_backend_v1 table = {.struct_size = sizeof(tllm_backend_v1)};
static const int opaque_table = 0;
static const tllm_component components[] = {
    {
        .struct_size = sizeof(tllm_component),
        .kind = TLLM_KIND_BACKEND,
        .name = "kinds-ok",
        .description = "fine",
        .create = ok_create,
        .destroy = ok_destroy,
        .vtable = &table,
    },
    {
        .struct_size = sizeof(tllm_component),
        .kind = "tinyllm.planner/1",
        .name = "planner",
        .description = "a kind from a newer host",
        .create = never_create,
        .activate = never_activate,
        .destroy = ok_destroy,
        .vtable = &opaque_table,
    },
    {
        .struct_size = sizeof(tllm_component),
        .kind = "tinyllm.frob/1",
        .name = "frobber",
        .description = "no such kind",
        .create = never_create,
        .activate = never_activate,
        .destroy = ok_destroy,
        .vtable = &opaque_table,
    },
};
static const tllm_plugin_descriptor descriptor = {
    .abi = TLLM_ABI_VERSION_INIT,
    .struct_size = sizeof(tllm_plugin_descriptor),
    .id = "org.tinyllm.test.unknown-kind",
    .name = "Unknown kinds",
    .version = "1.0.0",
    .description = "",
    .component_count = 3,
    .components = components,
};
TLLM_DEFINE_PLUGIN(descriptor)

#elif defined(BAD_MUTATION)
/* A mutation whose table has no propose, next to a good backend: the mutation is refused, the
 * backend loads. */
static const tllm_backend_v1 table = {.struct_size = sizeof(tllm_backend_v1)};
static const tllm_mutation_v1 no_propose = {.struct_size = sizeof(tllm_mutation_v1)};
static const tllm_component components[] = {
    {
        .struct_size = sizeof(tllm_component),
        .kind = TLLM_KIND_BACKEND,
        .name = "beside-mutation",
        .description = "fine",
        .create = ok_create,
        .destroy = ok_destroy,
        .vtable = &table,
    },
    {
        .struct_size = sizeof(tllm_component),
        .kind = TLLM_KIND_MUTATION,
        .name = "no-propose",
        .description = "a mutation table without propose",
        .create = ok_create,
        .destroy = ok_destroy,
        .vtable = &no_propose,
    },
};
static const tllm_plugin_descriptor descriptor = {
    .abi = TLLM_ABI_VERSION_INIT,
    .struct_size = sizeof(tllm_plugin_descriptor),
    .id = "org.tinyllm.test.bad-mutation",
    .name = "Bad mutation",
    .version = "1.0.0",
    .description = "",
    .component_count = 2,
    .components = components,
};
TLLM_DEFINE_PLUGIN(descriptor)
#endif
