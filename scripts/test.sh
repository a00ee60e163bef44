#!/usr/bin/env bash
# Run the whole test suite from any checkout, fresh or not: install missing packages, run every
# fuzz target briefly (clang, ASan + UBSan: scripts/fuzz.sh), then build everything once with
# AddressSanitizer + UBSan and warnings as errors, and run every test in that build.
# The last lines printed are ctest's summary.
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/test.sh [--no-sanitize] [--no-fuzz] [-- CTEST_ARGS...]

  (default)       one build, build-asan/: ASan + UBSan, -Og, warnings as errors, benchmarks
                  compiled (not run); every test runs in it
  --no-sanitize   the optimised build, build/ (RelWithDebInfo), instead: faster to build and
                  run, for local iteration; it also checks the warnings only -O2 finds
  --no-fuzz       skip the fuzz stage (every tests/fuzz target for 20 s, before the build)
  CTEST_ARGS      passed to ctest, e.g. -- -R e2e
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

# The official Ollama and OpenAI client libraries that tests/serve/clients_test.py drives, from
# npm into DIR/serve-clients (again only when the lock file changed). Without npm, or when the
# registry cannot be reached, that one test is skipped and says why.
install_client_libraries() {
    local dir=$1/serve-clients lock=$ROOT/tests/serve/clients/package-lock.json
    if ! command -v npm >/dev/null; then
        echo "test.sh: npm not found (scripts/setup.sh installs it): serve.npm_clients will be skipped" >&2
        return 0
    fi
    mkdir -p "$dir"
    if [ -d "$dir/node_modules" ] && cmp -s "$lock" "$dir/package-lock.json"; then return 0; fi
    cp "$ROOT/tests/serve/clients/package.json" "$lock" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
        echo "test.sh: npm ci failed in $dir: serve.npm_clients will be skipped" >&2
}

# build_and_test DIR CMAKE_ARGS...
build_and_test() {
    local dir=$1
    shift
    cmake -S "$ROOT" -B "$dir" -G Ninja -DTINYLLM_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j "$JOBS"
    install_client_libraries "$dir"
    (cd "$dir" && ctest --output-on-failure -j "$JOBS" "${CTEST_ARGS[@]}")
}

# First, so that ctest's summary stays the last thing printed: a crash, a sanitizer report or a
# hang in any target stops here, naming the input (build-fuzz/work/TARGET/artifacts/).
if [ "$FUZZ" -eq 1 ]; then
    "$ROOT/scripts/fuzz.sh" --all "$FUZZ_SECONDS"
fi
# -g1 (line tables and function names) instead of -g: every backtrace and sanitizer report the
# tests print still names file:line, and the builds take a third less time.
if [ "$SANITIZE" -eq 0 ]; then
    build_and_test "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
    exit 0
fi
# One build, not an optimised one and a sanitized one: on CI's two cores compiling is most of
# the time, and every test under the sanitizers checks what the optimised run would, and memory
# too. -Og: compiles in about half the time of -O1 (code generation is most of a file's compile
# time here) and runs the tests far quicker than -O0; assertions stay on (Debug). Benchmarks
# are built (they must compile) but not run: they measure speed, which sanitizers distort.
# intercept_tls_get_addr=0: gcc 12's LeakSanitizer can crash in its own tracer ("Tracer caught
# signal 11") while walking the dynamic TLS of dlopen'ed plugins, a sanitizer-runtime bug that
# depends on the binary's TLS layout (google/sanitizers#1322 and its kin). Static TLS, stacks,
# globals and the heap are still scanned; memory held only by a dlopen'ed plugin's thread_local
# would be reported as leaked, and the plugins keep none there.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:intercept_tls_get_addr=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
build_and_test "$ROOT/build-asan" -DCMAKE_BUILD_TYPE=Debug \
    "-DCMAKE_CXX_FLAGS_DEBUG=-Og -g1" "-DCMAKE_C_FLAGS_DEBUG=-Og -g1" -DTINYLLM_SANITIZE=ON
