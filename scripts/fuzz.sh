#!/usr/bin/env bash
# Fuzz TinyLLM's input readers with libFuzzer (tests/fuzz, docs/reliability.md#fuzzing): build
# the targets with clang, ASan and UBSan into build-fuzz/, and run one or all of them on a copy
# of their committed corpus. New inputs go to build-fuzz/work/TARGET/corpus; a crash, a
# sanitizer report, a hang or a broken promise exits non-zero and prints the input's path.
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/fuzz.sh [OPTIONS] TARGET [SECONDS]   run one target (default 60 s)
       scripts/fuzz.sh [OPTIONS] --all SECONDS      run every target, N at a time (--parallel)
       scripts/fuzz.sh --list                       list the targets and what each reads
       scripts/fuzz.sh --build-only                 configure and build every target

  --merge         afterwards, merge the new inputs that add coverage into the committed
                  corpus (tests/fuzz/corpus/TARGET) with libFuzzer's -merge=1
  --no-build      run the targets already built (no configure, no build)
  --parallel N    with --all: targets run at once (default: the number of cores)
  --build-dir DIR build directory (default: build-fuzz)
  -- ARGS         passed to libFuzzer, e.g. -- -jobs=2 -workers=2

Runs: -max_total_time=SECONDS -rss_limit_mb=2048 -timeout=10 -max_len=<per target>
-dict=tests/fuzz/dict/TARGET.dict, with ASAN_OPTIONS/UBSAN_OPTIONS that make every report
fatal. The work dir build-fuzz/work/TARGET/ keeps the corpus between runs (corpus/), the
crashing inputs (artifacts/) and the last run's log (fuzz.log).
Reproduce a crash: build-fuzz/fuzz/TARGET_fuzz PATH_OF_THE_INPUT
Needs clang and libclang-rt-14-dev (scripts/setup.sh --deps-only installs them).
TXT
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR="$ROOT/build-fuzz"
FUZZ_DIR="$ROOT/tests/fuzz"

# target|max_len|what it reads. max_len is a little above each reader's own limit where it has
# one (conditions: 4096 bytes, calculator: 1000 characters), so the limits are fuzzed too.
TARGETS=(
    "config|8192|a config file as system.yaml, models.yaml, tools.yaml, judges.yaml, expansion.yaml, alerts.yaml"
    "graph_def|8192|a graph file (config/graphs/*.yaml) through load_graph_def"
    "condition|5000|an edge condition (when:) through Condition::parse and evaluate"
    "message_json|8192|a JSON document: json::parse, chat message round trips, node outputs"
    "ollama_ndjson|8192|an Ollama /api/chat or /api/generate stream (NDJSON) through the reader"
    "calculator|1200|a calculator expression through calculator::evaluate"
    "code_args|4096|the code tool's arguments (and config) through its C ABI, sandbox stubbed"
    "serve_request|8192|a chat request's body to tinyllm serve through read_messages and read_tools"
)

target_names() {
    local t
    for t in "${TARGETS[@]}"; do echo "${t%%|*}"; done
}

max_len_of() {
    local t
    for t in "${TARGETS[@]}"; do
        if [ "${t%%|*}" = "$1" ]; then
            t=${t#*|}
            echo "${t%%|*}"
            return
        fi
    done
}

MODE=one
TARGET=""
SECONDS_ARG=""
MERGE=0
BUILD=1
PARALLEL=$(nproc)
EXTRA_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
    --all) MODE=all ;;
    --list) MODE=list ;;
    --build-only) MODE=build ;;
    --merge) MERGE=1 ;;
    --no-build) BUILD=0 ;;
    --parallel) PARALLEL=${2:?--parallel needs a number}; shift ;;
    --build-dir) BUILD_DIR=${2:?--build-dir needs a directory}; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; EXTRA_ARGS=("$@"); break ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *)
        if [ "$MODE" = one ] && [ -z "$TARGET" ]; then
            TARGET=$1
        elif [ -z "$SECONDS_ARG" ]; then
            SECONDS_ARG=$1
        else
            echo "fuzz.sh: unexpected argument $1 (see --help)" >&2; exit 2
        fi
        ;;
    esac
    shift
done

if [ "$MODE" = list ]; then
    for t in "${TARGETS[@]}"; do
        IFS='|' read -r name len what <<<"$t"
        printf '%-14s max_len %-5s %s\n' "$name" "$len" "$what"
    done
    exit 0
fi
if [ "$MODE" = one ]; then
    if [ -z "$TARGET" ]; then
        echo "fuzz.sh: name a target, or --all SECONDS (see --help)" >&2
        exit 2
    fi
    if [ -z "$(max_len_of "$TARGET")" ]; then
        echo "fuzz.sh: unknown target $TARGET; targets: $(target_names | tr '\n' ' ')" >&2
        exit 2
    fi
    SECONDS_ARG=${SECONDS_ARG:-60}
fi
if [ "$MODE" = all ] && [ -z "$SECONDS_ARG" ]; then
    echo "fuzz.sh: --all needs SECONDS per target" >&2
    exit 2
fi
if [ -n "$SECONDS_ARG" ] && ! [[ "$SECONDS_ARG" =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz.sh: SECONDS must be a positive whole number, got $SECONDS_ARG" >&2
    exit 2
fi

# clang with the libFuzzer runtime; installing them is setup.sh's job.
if ! command -v clang++ >/dev/null || ! command -v clang >/dev/null; then
    echo "fuzz.sh: clang is not installed; run scripts/setup.sh --deps-only" >&2
    exit 1
fi
if ! clang++ -print-file-name=libclang_rt.fuzzer-x86_64.a | grep -q /; then
    echo "fuzz.sh: the libFuzzer runtime (libclang-rt-14-dev) is missing; run scripts/setup.sh" \
         "--deps-only" >&2
    exit 1
fi

# Configure (only the fuzz targets and their libraries are in the build) and build.
if [ "$BUILD" -eq 1 ] || [ "$MODE" = build ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DTINYLLM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
    if [ "$MODE" = one ]; then
        cmake --build "$BUILD_DIR" --target "${TARGET}_fuzz" -j "$(nproc)"
    else
        cmake --build "$BUILD_DIR" --target tinyllm_fuzz -j "$(nproc)"
    fi
fi
[ "$MODE" = build ] && exit 0

# Every sanitizer report ends the run as a crash that libFuzzer saves.
export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${FUZZ_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# run_target NAME SECONDS: 0 when nothing was found.
run_target() {
    local name=$1 seconds=$2
    local bin="$BUILD_DIR/fuzz/${name}_fuzz"
    local work="$BUILD_DIR/work/$name"
    local log="$work/fuzz.log"
    mkdir -p "$work/corpus" "$work/artifacts"
    # The run works on a copy: the committed corpus changes only with --merge.
    cp -n "$FUZZ_DIR/corpus/$name"/* "$work/corpus/" 2>/dev/null || true
    local args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10
                -max_len="$(max_len_of "$name")" -artifact_prefix="$work/artifacts/"
                -print_final_stats=1)
    [ -f "$FUZZ_DIR/dict/$name.dict" ] && args+=(-dict="$FUZZ_DIR/dict/$name.dict")
    if [ ! -x "$bin" ]; then
        echo "fuzz.sh: $bin is not built (run without --no-build)" >&2
        return 1
    fi
    local status=0
    "$bin" "${args[@]}" "${EXTRA_ARGS[@]}" "$work/corpus" >"$log" 2>&1 || status=$?

    local runs cov ft corpus
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    corpus=$(find "$work/corpus" -type f | wc -l)
    if [ "$status" -ne 0 ]; then
        local input
        input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        echo "fuzz.sh: $name: FOUND A PROBLEM after ${runs:-?} runs (exit $status); log: $log" >&2
        grep -E '^(==[0-9]+==ERROR|SUMMARY|==tinyllm-fuzz==)|runtime error|ERROR: libFuzzer' \
            "$log" | head -8 >&2 || true
        if [ -n "$input" ]; then
            echo "fuzz.sh: $name: crashing input: $input" >&2
            echo "fuzz.sh: $name: reproduce: $bin $input" >&2
        fi
        return 1
    fi
    echo "fuzz.sh: $name: ok, ${runs:-?} runs in ${seconds} s, cov ${cov:-?}, ft ${ft:-?}," \
         "corpus $corpus inputs ($work/corpus)" >&2
    if [ "$MERGE" -eq 1 ]; then
        local before after
        before=$(find "$FUZZ_DIR/corpus/$name" -type f | wc -l)
        "$bin" -merge=1 -max_len="$(max_len_of "$name")" -rss_limit_mb=2048 -timeout=10 \
            "$FUZZ_DIR/corpus/$name" "$work/corpus" >"$work/merge.log" 2>&1
        after=$(find "$FUZZ_DIR/corpus/$name" -type f | wc -l)
        echo "fuzz.sh: $name: merged $((after - before)) inputs into tests/fuzz/corpus/$name" >&2
    fi
    return 0
}

if [ "$MODE" = one ]; then
    if run_target "$TARGET" "$SECONDS_ARG"; then exit 0; else exit 1; fi
fi
if ! [[ "$PARALLEL" =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz.sh: --parallel needs a positive number, got $PARALLEL" >&2
    exit 2
fi
# Every target, PARALLEL at a time; each one's result lands in work/NAME.status.
mkdir -p "$BUILD_DIR/work"
for name in $(target_names); do
    while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do wait -n || true; done
    rm -f "$BUILD_DIR/work/$name.status"
    (
        status=0
        run_target "$name" "$SECONDS_ARG" || status=$?
        echo "$status" >"$BUILD_DIR/work/$name.status"
    ) &
done
wait
FAILED=()
for name in $(target_names); do
    [ "$(cat "$BUILD_DIR/work/$name.status" 2>/dev/null)" = 0 ] || FAILED+=("$name")
done
if [ ${#FAILED[@]} -gt 0 ]; then
    echo "fuzz.sh: problems found by: ${FAILED[*]}" >&2
    exit 1
fi
echo "fuzz.sh: all $(target_names | wc -l) targets ran ${SECONDS_ARG} s each ($PARALLEL at a time);" \
     "nothing found" >&2
