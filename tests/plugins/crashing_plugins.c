/* Plugins that take their process down while loading, one way each: a segfault, an abort, an
 * exit and an endless loop in init(). The host must survive all four (it scans plugins in a
 * child process) and report each. Each is its own .so with one CRASH_* macro defined. */
#include <tinyllm/plugin.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static tllm_status crashing_init(char *error, size_t size) {
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

static const tllm_plugin_descriptor descriptor = {{TLLM_ABI_VERSION_MAJOR, TLLM_ABI_VERSION_MINOR},
                                                  sizeof(tllm_plugin_descriptor),
                                                  "org.tinyllm.test.crash." CRASH_NAME,
                                                  "Crashes in init",
                                                  "1.0.0",
                                                  "",
                                                  NULL,
                                                  NULL,
                                                  0,
                                                  NULL,
                                                  crashing_init,
                                                  NULL};
TLLM_DEFINE_PLUGIN(descriptor)
