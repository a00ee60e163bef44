#!/usr/bin/env bash
# Run the whole test suite from any checkout, fresh or not: install missing packages, run every
# fuzz target briefly (clang, ASan + UBSan: scripts/fuzz.sh), build with warnings as errors, run
# every test; then the same under AddressSanitizer + UBSan.
# The last lines printed are ctest's summary.
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/test.sh [--no-sanitize] [--no-fuzz] [-- CTEST_ARGS...]

  --no-sanitize   skip the ASan+UBSan build and run (faster, for local iteration)
  --no-fuzz       skip the fuzz stage (every tests/fuzz target for 20 s, before the builds)
  CTEST_ARGS      passed to both ctest runs, e.g. -- -R e2e
TXT
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SANITIZE=1
FUZZ=1
# Seconds each fuzz target runs in the fuzz stage: a smoke test of every reader on its corpus
# and a little beyond; the long runs are scripts/fuzz.sh's (docs/reliability.md#fuzzing).
FUZZ_SECONDS=20
CTEST_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
    --no-sanitize) SANITIZE=0 ;;
    --no-fuzz) FUZZ=0 ;;
    -h | --help) usage; exit 0 ;;
    --) shift; CTEST_ARGS=("$@"); break ;;
    *) echo "test.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

"$ROOT/scripts/setup.sh" --deps-only
JOBS=$(nproc)

# build_and_test DIR "CTEST OPTIONS" CMAKE_ARGS...
build_and_test() {
    local dir=$1 ctest_opts=$2
    shift 2
    cmake -S "$ROOT" -B "$dir" -G Ninja -DTINYLLM_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j "$JOBS"
    # shellcheck disable=SC2086 # ctest_opts is a word list
    (cd "$dir" && ctest --output-on-failure -j "$JOBS" $ctest_opts "${CTEST_ARGS[@]}")
}

# First, so that ctest's summary stays the last thing printed: a crash, a sanitizer report or a
# hang in any target stops here, naming the input (build-fuzz/work/TARGET/artifacts/).
if [ "$FUZZ" -eq 1 ]; then
    "$ROOT/scripts/fuzz.sh" --all "$FUZZ_SECONDS"
fi
# -g1 (line tables and function names) instead of -g: every backtrace and sanitizer report the
# tests print still names file:line, and the builds take a third less time (errors_test.cpp:
# 14.2 s -> 8.8 s at -O2), which pays for the fuzz stage within CI's 25 minutes.
build_and_test "$ROOT/build" "" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
if [ "$SANITIZE" -eq 1 ]; then
    # Benchmarks are not built here: they measure speed, which sanitizers distort.
    # intercept_tls_get_addr=0: gcc 12's LeakSanitizer can crash in its own tracer ("Tracer
    # caught signal 11") while walking the dynamic TLS of dlopen'ed plugins, a sanitizer-runtime
    # bug that depends on the binary's TLS layout (google/sanitizers#1322 and its kin). Static
    # TLS, stacks, globals and the heap are still scanned; memory held only by a dlopen'ed
    # plugin's thread_local would be reported as leaked, and the plugins keep none there.
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:intercept_tls_get_addr=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    # Labels scaffold and data are left out: they check the SDK's packaging, the plugin
    # scaffolds (compiled without sanitizers either way) and the datasets, not the host's memory,
    # and take a quarter of the sanitized run's time; the run above covers them.
    build_and_test "$ROOT/build-asan" "-LE scaffold|data" -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1 \
        -DTINYLLM_SANITIZE=ON -DTINYLLM_BUILD_BENCH=OFF
fi
