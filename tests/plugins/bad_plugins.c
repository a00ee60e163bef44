/* Plugins that break the contract in one way each, so the host's refusals are tested. Each is
 * compiled into its own .so with one BAD_* macro defined (see CMakeLists.txt). */
#include <tinyllm/plugin.h>

#include <stdio.h>

#if defined(BAD_COMPONENT) || defined(BAD_UNKNOWN_KIND)
/* A component that creates and destroys fine, beside the broken ones. */
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
static const tllm_plugin_descriptor descriptor = {{TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR},
                                                  sizeof(tllm_plugin_descriptor),
                                                  "org.tinyllm.test.missing-library",
                                                  "Missing library",
                                                  "1.0.0",
                                                  "",
                                                  NULL,
                                                  NULL,
                                                  0,
                                                  NULL,
                                                  NULL,
                                                  NULL};
TLLM_EXPORT int call_dependency(void);
TLLM_EXPORT int call_dependency(void) {
    return tinyllm_test_dependency_value();
}
TLLM_DEFINE_PLUGIN(descriptor)

#elif defined(BAD_MAJOR) || defined(BAD_MINOR)
#if defined(BAD_MAJOR)
#define ABI                                                                                        \
    { TLLM_ABI_VERSION_MAJOR + 1, 0 }
#define ID "org.tinyllm.test.abi-major"
#else
#define ABI                                                                                        \
    { TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR + 1 }
#define ID "org.tinyllm.test.abi-minor"
#endif
static const tllm_plugin_descriptor descriptor = {
    ABI, sizeof(tllm_plugin_descriptor), ID, "ABI mismatch", "1.0.0", "", NULL, NULL, 0, NULL, NULL,
    NULL};
TLLM_DEFINE_PLUGIN(descriptor)

#elif defined(BAD_INIT)
static tllm_status failing_init(char *error, size_t size) {
    snprintf(error, size, "license key not found in $TEST_LICENSE");
    return TLLM_ERR_NOT_FOUND;
}
static const tllm_plugin_descriptor descriptor = {{TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR},
                                                  sizeof(tllm_plugin_descriptor),
                                                  "org.tinyllm.test.init-fails",
                                                  "Init fails",
                                                  "1.0.0",
                                                  "",
                                                  NULL,
                                                  NULL,
                                                  0,
                                                  NULL,
                                                  failing_init,
                                                  NULL};
TLLM_DEFINE_PLUGIN(descriptor)

#elif defined(BAD_COMPONENT)
/* One good component next to one without create(): the good one must still load. */
static const tllm_backend_v1 table = {
    sizeof(tllm_backend_v1), NULL, NULL, NULL, NULL, NULL, NULL, NULL};
static const tllm_component components[] = {
    {sizeof(tllm_component), TLLM_KIND_BACKEND, "half-good", "fine", NULL, 0, ok_create, ok_destroy,
     &table},
    {sizeof(tllm_component), TLLM_KIND_BACKEND, "Bad Name", "invalid", NULL, 0, NULL, NULL, &table},
};
static const tllm_plugin_descriptor descriptor = {{TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR},
                                                  sizeof(tllm_plugin_descriptor),
                                                  "org.tinyllm.test.bad-component",
                                                  "Bad component",
                                                  "1.0.0",
                                                  "",
                                                  NULL,
                                                  NULL,
                                                  2,
                                                  components,
                                                  NULL,
                                                  NULL};
TLLM_DEFINE_PLUGIN(descriptor)

#elif defined(BAD_UNKNOWN_KIND)
/* A good backend next to components of kinds this host does not define: a judge (not designed
 * yet) and a made-up kind. Their create aborts, so creating one would end the test loudly. */
#include <stdlib.h>
static tllm_status never_create(const tllm_host *h, const char *c, void **out, char *e, size_t n) {
    (void)h;
    (void)c;
    (void)out;
    (void)e;
    (void)n;
    abort();
}
static const tllm_backend_v1 table = {
    sizeof(tllm_backend_v1), NULL, NULL, NULL, NULL, NULL, NULL, NULL};
static const int opaque_table = 0;
static const tllm_component components[] = {
    {sizeof(tllm_component), TLLM_KIND_BACKEND, "kinds-ok", "fine", NULL, 0, ok_create, ok_destroy,
     &table},
    {sizeof(tllm_component), "tinyllm.judge/1", "strict", "a judge before judges exist", NULL, 0,
     never_create, ok_destroy, &opaque_table},
    {sizeof(tllm_component), "tinyllm.frob/1", "frobber", "no such kind", NULL, 0, never_create,
     ok_destroy, &opaque_table},
};
static const tllm_plugin_descriptor descriptor = {{TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR},
                                                  sizeof(tllm_plugin_descriptor),
                                                  "org.tinyllm.test.unknown-kind",
                                                  "Unknown kinds",
                                                  "1.0.0",
                                                  "",
                                                  NULL,
                                                  NULL,
                                                  3,
                                                  components,
                                                  NULL,
                                                  NULL};
TLLM_DEFINE_PLUGIN(descriptor)
#endif
