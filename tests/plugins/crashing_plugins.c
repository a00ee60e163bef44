/* Plugins that take their process down while loading, one way each: a segfault, an abort, an
 * exit and an endless loop in init(). The host must survive all four (it scans plugins in a
 * child process) and report each. Each is its own .so with one CRASH_* macro defined. */
#include <tinyllm/plugin.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static tllm_status crashing_init(const char *plugin_path, char *error, size_t size) {
    (void)plugin_path;
    (void)error;
    (void)size;
#if defined(CRASH_SEGV)
    fprintf(stderr, "about to dereference NULL\n");
    raise(SIGSEGV); /* what a NULL dereference ends in, without the compiler's opinion of it */
#elif defined(CRASH_ABORT)
    abort();
#elif defined(CRASH_EXIT)
    fprintf(stderr, "fatal: cannot live here\n");
    exit(7);
#elif defined(CRASH_HANG)
    for (;;)
        pause();
#endif
    return TLLM_OK;
}

static const tllm_plugin_descriptor descriptor = {
    .abi = TLLM_ABI_VERSION_INIT,
    .struct_size = sizeof(tllm_plugin_descriptor),
    .id = "org.tinyllm.test.crash." CRASH_NAME,
    .name = "Crashes in init",
    .version = "1.0.0",
    .description = "",
    .init = crashing_init,
};
TLLM_DEFINE_PLUGIN(descriptor)
