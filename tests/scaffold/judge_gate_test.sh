#!/usr/bin/env bash
# scaffold.judge_gate: a third-party judge decides a gate of the default graph, chosen by config
# alone, with the host binary unchanged (issue 15, "Done when" 3).
#
#   1. TinyLLM is installed from this build to a fresh prefix (cmake --install), and the sha256
#      of the installed host binaries is taken.
#   2. scripts/new-plugin.sh judge strict_length (run by the installed tinyllm, so from the
#      installed templates) scaffolds a C++ judge; the test edits it as its author would (the
#      TODOs: description, id, vendor, license; a stricter default limit), builds it out of tree
#      with find_package(TinyLLM) against the installed SDK alone, and runs its own ctest (the
#      installed host's `plugins validate`).
#   3. A config dir: config/sim's models (the simulated backend; no sleeping, sure routing),
#      a copy of the default graph whose general_check gate has {type: judge, judge: strict},
#      and a judges.yaml naming `strict` as an instance of strict_length.
#   4. The installed host runs a general question of tests/data/eval/general.jsonl with the
#      plugin's build dir as --plugins: with the judge's default limit the gate's judge check
#      passes ("judge strict scored 1.00: ..."); with judges.yaml's max_length 2 every answer
#      fails it, and the gate does what the default graph's policy says: one retry with the
#      judge's reasons, an escalation up each rung of the general ladder (0.5b -> 1.5b -> 3b),
#      then the run fails with the judge's reasons (exit 1). The stock graph, with the same
#      judges.yaml, passes: the judge rule is what failed the run.
#   5. The installed host binaries have the same sha256 as before, and the plugin never went
#      into the prefix.
#
# Usage: judge_gate_test.sh BUILD_DIR SOURCE_DIR CMAKE GENERATOR CXX [MAKE_PROGRAM]
# Exit 0 pass, 1 fail, 77 skipped (a tool this machine lacks; the message says which).
# No `set -e`: a failed check is counted and the rest still run; where the rest cannot (no
# install, no plugin), the script stops there.
set -uo pipefail

if [ $# -lt 5 ]; then
    echo "usage: $0 BUILD_DIR SOURCE_DIR CMAKE GENERATOR CXX [MAKE_PROGRAM]" >&2
    exit 2
fi
BUILD=$1 SOURCE=$2 CMAKE=$3 GENERATOR=$4 CXX_COMPILER=$5 MAKE_PROGRAM=${6:-}
CTEST=$(dirname "$CMAKE")/ctest

if ! command -v sha256sum >/dev/null; then
    echo "skipped: sha256sum (GNU coreutils) is not installed, so the host binary cannot be" \
        "checksummed"
    exit 77
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tinyllm-judge-gate.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT
PREFIX=$WORK/prefix
# Nothing from the user's environment: no config, no plugin path, no package search path.
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config
unset TINYLLM_PLUGIN_PATH TINYLLM_CONFIG CMAKE_PREFIX_PATH TINYLLM_LOG_LEVEL
mkdir -p "$HOME"

FAILURES=0
fail() {
    echo "FAIL $*"
    FAILURES=$((FAILURES + 1))
}
# check DESCRIPTION EXPECTED_STATUS COMMAND...: stdout in $WORK/out, stderr in $WORK/err.
check() {
    local what=$1 want=$2
    shift 2
    local got=0
    "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
    if [ "$got" -eq "$want" ]; then
        echo "ok   $what (exit $got)"
        return 0
    fi
    fail "$what: exit $got, expected $want; stdout, stderr:"
    sed 's/^/     /' "$WORK/out" "$WORK/err"
    return 1
}
# expect DESCRIPTION FILE PATTERN: a line of FILE (out or err) matches the extended regex.
expect() {
    if grep -Eq -- "$3" "$WORK/$2"; then
        echo "ok   $1"
    else
        fail "$1: $2 lacks /$3/:"
        sed 's/^/     /' "$WORK/$2"
    fi
}
# expect_count DESCRIPTION FILE PATTERN N: exactly N lines of FILE match.
expect_count() {
    local n
    n=$(grep -Ec -- "$3" "$WORK/$2" || true)
    if [ "$n" -eq "$4" ]; then
        echo "ok   $1 ($n)"
    else
        fail "$1: $n lines of $2 match /$3/, expected $4:"
        sed 's/^/     /' "$WORK/$2"
    fi
}
host_sums() { sha256sum "$PREFIX/bin/tinyllm-host" "$PREFIX/libexec/tinyllm/tinyllm-plugin-host"; }

# ---- 1. install ----------------------------------------------------------------------------

check "cmake --install this build to a fresh prefix" 0 \
    "$CMAKE" --install "$BUILD" --prefix "$PREFIX" || exit 1
HOST=$PREFIX/bin/tinyllm
for f in "$PREFIX/bin/tinyllm-host" "$PREFIX/libexec/tinyllm/tinyllm-plugin-host" \
    "$PREFIX/lib/tinyllm/plugins/tinyllm-sim.so" "$PREFIX/lib/cmake/TinyLLM/TinyLLMConfig.cmake" \
    "$PREFIX/share/tinyllm/templates/cpp/judge/@NAME@.cpp" \
    "$PREFIX/share/tinyllm/templates/c/judge/@NAME@.c"; do
    [ -f "$f" ] || { fail "the install lacks ${f#"$PREFIX"/}"; exit 1; }
done
sums_before=$(host_sums)

# ---- 2. scaffold, edit, build out of tree against the installed SDK ------------------------

JUDGE=$WORK/strict_length
cd "$WORK"
check "scripts/new-plugin.sh judge strict_length (the installed tinyllm)" 0 \
    env TINYLLM_EXECUTABLE="$HOST" "$SOURCE/scripts/new-plugin.sh" judge strict_length "$JUDGE" ||
    exit 1
expect "it wrote a tinyllm.judge/1 project" out "a tinyllm.judge/1 plugin in C\+\+"
expect "its next steps name the installed prefix" out "-DCMAKE_PREFIX_PATH=$PREFIX( |$)"
SRC=$JUDGE/strict_length.cpp
# The author's edits: the TODOs of the description and the metadata, and a stricter default.
old_description='"passes answers of at most max_length characters that contain the required word"'
new_description='"strict: passes short answers only (280 characters unless configured)"'
sed -i \
    -e "s|$old_description|$new_description|" \
    -e 's|"default": 2000,|"default": 280,|' \
    -e 's|value_or(2000)|value_or(280)|' \
    -e 's|size_t max_length_ = 2000;|size_t max_length_ = 280;|' \
    -e 's|"org.example.strict_length"|"org.thirdparty.judge.strict_length"|' \
    -e 's|"TODO: a paragraph on what this plugin provides."|"A judge that fails long answers."|' \
    -e 's|nullptr, // vendor; TODO: you|"Third Party Ltd", // vendor|' \
    -e 's|nullptr, // license; TODO: an SPDX id, e.g. "MIT"|"MIT", // license|' \
    "$SRC"
for edit in 'strict: passes short answers only' '"default": 280,' 'value_or\(280\)' \
    'max_length_ = 280;' 'org.thirdparty.judge.strict_length' '"Third Party Ltd"' '"MIT"'; do
    grep -Eq -- "$edit" "$SRC" ||
        fail "the edit to /$edit/ did not apply: the judge template changed; update this test"
done
[ "$FAILURES" -eq 0 ] || exit 1

cmake_args=(-G "$GENERATOR" -DCMAKE_CXX_COMPILER="$CXX_COMPILER" -DCMAKE_PREFIX_PATH="$PREFIX"
    -DCMAKE_BUILD_TYPE=Release --no-warn-unused-cli)
[ -n "$MAKE_PROGRAM" ] && cmake_args+=(-DCMAKE_MAKE_PROGRAM="$MAKE_PROGRAM")
check "configure it with find_package(TinyLLM)" 0 \
    "$CMAKE" -S "$JUDGE" -B "$JUDGE/build" "${cmake_args[@]}" || exit 1
check "it found the installed package, not this checkout" 0 \
    grep -qx "TinyLLM_DIR:PATH=$PREFIX/lib/cmake/TinyLLM" "$JUDGE/build/CMakeCache.txt"
check "its test runs the installed host" 0 \
    grep -qx "TINYLLM_EXECUTABLE:FILEPATH=$PREFIX/bin/tinyllm" "$JUDGE/build/CMakeCache.txt"
check "build it" 0 "$CMAKE" --build "$JUDGE/build" || exit 1
PLUGIN=$JUDGE/build/tinyllm-strict_length.so
[ -f "$PLUGIN" ] || { fail "tinyllm-strict_length.so was not built"; exit 1; }
check "its own ctest (tinyllm plugins validate)" 0 \
    "$CTEST" --test-dir "$JUDGE/build" --output-on-failure
expect "validate graded a sample answer" out "strict_length.validate .*Passed"
check "plugins validate" 0 "$HOST" plugins validate "$PLUGIN"
expect "validate: the judge grades a sample answer" out \
    "ok +tinyllm.judge/1 strict_length: grade a sample answer: answered: .*\"pass\":true"
expect "validate: with the edited default" out '"max_length":280'

# ---- 3. the config: simulated models, the default graph with a judge rule, judges.yaml -----

CONFIG=$WORK/config
mkdir -p "$CONFIG/graphs"
printf 'data_dir: %s\n' "$WORK/data" >"$CONFIG/system.yaml"
# config/sim's models, answering at once (time_scale 0) and always routing right, so the
# question reaches the general specialist and its gate whatever the simulation draws.
sed -e 's/time_scale: [0-9.]*/time_scale: 0/' -e 's/routing: [0-9.]*/routing: 1.0/g' \
    "$SOURCE/config/sim/models.yaml" >"$CONFIG/models.yaml"
grep -q 'time_scale: 0' "$CONFIG/models.yaml" && grep -q 'routing: 1.0' "$CONFIG/models.yaml" ||
    fail "config/sim/models.yaml has no time_scale or routing accuracy to set: update this test"
# config/sim/graphs is a symlink to ../graphs: copy what it points at.
cp -L "$SOURCE"/config/sim/graphs/*.yaml "$CONFIG/graphs/"
cp "$CONFIG/graphs/default.yaml" "$WORK/stock-default.yaml"
# The judge rule goes last in general_check's rules (before its max_feedback).
awk '/^  - id: /      { in_gate = ($0 == "  - id: general_check") }
     in_gate && !done && /^      max_feedback:/ {
         print "        - {type: judge, judge: strict}"; done = 1 }
     { print }' "$WORK/stock-default.yaml" >"$CONFIG/graphs/default.yaml"
if ! grep -A8 '^  - id: general_check' "$CONFIG/graphs/default.yaml" |
    grep -q '{type: judge, judge: strict}'; then
    fail "the default graph's general_check gate has no max_feedback line to put the judge" \
        "rule before: update this test"
    exit 1
fi
judges_yaml() { # judges_yaml [CONFIG_FLOW]: `strict` is strict_length, with that config
    {
        echo "judges:"
        echo "  - name: strict"
        echo "    type: strict_length"
        if [ -n "${1:-}" ]; then echo "    config: $1"; fi
    } >"$CONFIG/judges.yaml"
}
QUESTION=$(sed -n '1s/.*"input": *"\([^"]*\)".*/\1/p' "$SOURCE/tests/data/eval/general.jsonl")
[ -n "$QUESTION" ] || { fail "no question in tests/data/eval/general.jsonl's first line"; exit 1; }
echo "     question: $QUESTION"
RUN=("$HOST" --config "$CONFIG" --plugins "$JUDGE/build")


# ---- 4. the judge decides the gate ---------------------------------------------------------

# 4a. No config: the author's default limit (280 characters) passes the simulated answer.
judges_yaml
check "tinyllm judges lists strict as the third-party judge" 0 "${RUN[@]}" judges list
expect "judges list: strict is a strict_length" out "^strict +\[strict_length\]"
expect "judges list: with the author's description" out "strict: passes short answers only"
check "run the default graph: the judge passes the answer" 0 \
    "${RUN[@]}" run --trace -v "$QUESTION"
expect "the run succeeded" out '^  "status": "succeeded"'
expect "it went through the general specialist" out '"route": "general"'
expect "the gate's judge check names the judge and its score" out \
    '"detail": "judge strict scored 1\.00: [0-9]+ characters, at most 280"'
expect "-v: the gate passed" err "^general_check: pass"

# 4b. judges.yaml alone makes the limit 2 characters: every answer fails the judge, and the gate
# follows the default graph's policy (max_feedback 1, escalate: true; general's ladder has 3
# models): a retry with the judge's reasons, an escalation per bigger model, then the run fails.
judges_yaml "{max_length: 2}"
check "run the default graph: the judge fails every answer" 1 \
    "${RUN[@]}" run --trace -v "$QUESTION"
expect "the run failed" out '^  "status": "failed"'
expect "at the gate" out '"node": "general_check"'
judge_says='judge strict scored 0\.[0-9]+: the answer is [0-9]+ characters long; at most 2 pass'
expect_count "-v: the gate sent the answer back once with the judge's reasons" err \
    "^general_check: fail, retry: $judge_says" 1
expect_count "-v: then escalated to each bigger model" err \
    "^general_check: fail, escalate: $judge_says" 2
expect_count "-v: then gave up" err "^general_check: fail, error: $judge_says" 1
expect "the run's error is the judge's verdict" err \
    "quality gate failed after 4 attempts: $judge_says"
for model in qwen-sim-0.5b qwen-sim-1.5b qwen-sim-3b; do
    expect "the trace shows an answer of $model" out "\"name\": \"$model\""
done
expect "the trace records the gate's judge check with the verdict" out \
    "\"reason\": \"$judge_says\""
expect "and the run's error" out \
    "\"message\": \"node general_check \\(gate\\) failed: .*$judge_says\""

# 4c. The stock graph (no judge rule), same config and judges.yaml: the answer passes.
check "run the stock default graph with the same judges.yaml" 0 \
    "${RUN[@]}" run --graph "$WORK/stock-default.yaml" --trace "$QUESTION"
expect "it succeeded" out '^  "status": "succeeded"'
if grep -q 'judge strict' "$WORK/out"; then fail "the stock graph consulted the judge"; fi

# ---- 5. the host is unchanged --------------------------------------------------------------

if [ "$(host_sums)" = "$sums_before" ]; then
    echo "ok   the installed host binaries are unchanged (sha256)"
else
    fail "the installed host binaries changed: before, after:"
    printf '%s\n%s\n' "$sums_before" "$(host_sums)" | sed 's/^/     /'
fi
if find "$PREFIX" -name 'tinyllm-strict_length*' | grep -q .; then
    fail "the judge went into the prefix; it was meant to load from its build dir"
fi

if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES check(s) failed"
    exit 1
fi
echo "all checks passed"
