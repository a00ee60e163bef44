#!/usr/bin/env bash
# scaffold.new_plugin: scripts/new-plugin.sh (a wrapper around `tinyllm plugins new`) produces,
# for each kind (backend, node, tool, judge, mutation) in C++ and in C, a plugin project that
# finds the SDK with find_package(TinyLLM) (here the build tree's package, which mirrors an
# install), builds, passes its own ctest (which runs `tinyllm plugins validate`) and the host's
# checks, and behaves as its template says; and the script refuses bad input with the documented
# exit codes.
#
# Usage: new_plugin_test.sh SCRIPT HOST CMAKE GENERATOR CXX CC [MAKE_PROGRAM]
# (CXX, CC and MAKE_PROGRAM are the outer build's, so the scaffolds build with the same tools.)
set -euo pipefail

if [ $# -lt 6 ]; then
    echo "usage: $0 SCRIPT HOST CMAKE GENERATOR CXX CC [MAKE_PROGRAM]" >&2
    exit 2
fi
SCRIPT=$1
HOST=$2
CMAKE=$3
GENERATOR=$4
CXX_COMPILER=$5
C_COMPILER=$6
MAKE_PROGRAM=${7:-}
CTEST=$(dirname "$CMAKE")/ctest
# The wrapper runs this host (not whatever build/bin/tinyllm or PATH has); the build tree it is
# in mirrors an install: <prefix>/bin/tinyllm-host, <prefix>/lib/cmake/TinyLLM.
export TINYLLM_EXECUTABLE=$HOST
PREFIX=$(cd "$(dirname "$HOST")/.." && pwd)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tinyllm-scaffold.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT
# The host must see only what the test gives it: no user config, no extra plugin path.
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config
unset TINYLLM_PLUGIN_PATH TINYLLM_CONFIG
mkdir -p "$HOME"

FAILURES=0
check() { # check DESCRIPTION EXPECTED_STATUS COMMAND...
    local what=$1 want=$2
    shift 2
    local got=0
    "$@" >"$WORK/out" 2>&1 || got=$?
    if [ "$got" -eq "$want" ]; then
        echo "ok   $what (exit $got)"
    else
        echo "FAIL $what: exit $got, expected $want; output:"
        sed 's/^/     /' "$WORK/out"
        FAILURES=$((FAILURES + 1))
    fi
}
expect_output() { # expect_output DESCRIPTION PATTERN: the last command's output matches
    if grep -Eq -- "$2" "$WORK/out"; then
        echo "ok   $1"
    else
        echo "FAIL $1: output lacks /$2/:"
        sed 's/^/     /' "$WORK/out"
        FAILURES=$((FAILURES + 1))
    fi
}

# ---- usage errors exit 2, failures exit 1, and nothing is created --------------------------

cd "$WORK"
check "--help" 0 "$SCRIPT" --help
expect_output "--help shows the usage" "Usage: .*KIND NAME \[DIR\]"
check "no arguments" 2 "$SCRIPT"
check "NAME missing" 2 "$SCRIPT" backend
check "too many arguments" 2 "$SCRIPT" backend a b c
check "unknown option" 2 "$SCRIPT" --frobnicate backend a
check "unknown language" 2 "$SCRIPT" backend a "$WORK/bad" --lang rust
expect_output "unknown language names the choices" "c or --lang cpp"
for name in Upper 'has space' 'dot.ted' 'semi;colon' 'sl/ash' ''; do
    check "bad NAME '$name'" 2 "$SCRIPT" backend "$name" "$WORK/bad"
done
expect_output "bad NAME names the rule" "\[a-z0-9_-\]|lowercase letters, digits"
# A kind the header does not define: refused, saying which kinds this SDK defines (each has a
# template, scaffolded below).
check "unknown kind" 2 "$SCRIPT" widget demo "$WORK/bad"
expect_output "unknown kind names the kinds the SDK defines" \
    "is not defined in this SDK \(ABI [0-9.]+ defines: backend node tool judge mutation\)"
if [ -e "$WORK/bad" ]; then
    echo "FAIL a refused invocation created $WORK/bad"
    FAILURES=$((FAILURES + 1))
fi
mkdir "$WORK/taken"
touch "$WORK/taken/keep"
check "existing DIR is refused" 1 "$SCRIPT" backend demo "$WORK/taken"
if [ ! -e "$WORK/taken/keep" ] || [ -e "$WORK/taken/CMakeLists.txt" ]; then
    echo "FAIL the existing DIR was modified"
    FAILURES=$((FAILURES + 1))
fi

# ---- scaffolded plugins build against the SDK package and pass the host's checks ----------

# The default DIR is ./tinyllm-plugin-NAME, and the next steps name this host's prefix.
check "default DIR" 0 "$SCRIPT" backend other
[ -f "$WORK/tinyllm-plugin-other/other.cpp" ] ||
    { echo "FAIL default DIR not used"; FAILURES=$((FAILURES + 1)); }
expect_output "the next steps give the SDK's prefix" "cmake -S .* -DCMAKE_PREFIX_PATH=$PREFIX"
expect_output "the next steps run the project's test" "ctest --test-dir "

build_and_check() { # build_and_check LANG KIND NAME: scaffold, build, ctest, validate, inspect
    local lang=$1 kind=$2 name=$3
    local dir=$WORK/$lang-$kind ext=cpp
    if [ "$lang" = c ]; then ext=c; fi
    check "scaffold $kind $name --lang $lang" 0 "$SCRIPT" "$kind" "$name" "$dir" --lang "$lang"
    for f in CMakeLists.txt "$name.$ext" README.md; do
        [ -f "$dir/$f" ] || { echo "FAIL $lang $kind: $f not created"; FAILURES=$((FAILURES + 1)); }
    done
    # Exactly those three: JSON goes through the host's JSON service, no helper file is copied.
    local created
    created=$(cd "$dir" && find . -type f | sort | tr '\n' ' ')
    if [ "$created" != "./CMakeLists.txt ./README.md ./$name.$ext " ]; then
        echo "FAIL $lang $kind: unexpected files: $created"
        FAILURES=$((FAILURES + 1))
    fi
    if grep -rEn '@[A-Z_]+@' "$dir" >"$WORK/out"; then
        echo "FAIL $lang $kind: placeholders left:"
        sed 's/^/     /' "$WORK/out"
        FAILURES=$((FAILURES + 1))
    fi
    # find_package(TinyLLM) with the build tree's prefix as the only hint, as printed.
    local configure=("$CMAKE" -S "$dir" -B "$dir/build" -G "$GENERATOR" -DCMAKE_BUILD_TYPE=Release
        "-DCMAKE_PREFIX_PATH=$PREFIX" "-DCMAKE_CXX_COMPILER=$CXX_COMPILER"
        "-DCMAKE_C_COMPILER=$C_COMPILER" --no-warn-unused-cli)
    if [ -n "$MAKE_PROGRAM" ]; then configure+=("-DCMAKE_MAKE_PROGRAM=$MAKE_PROGRAM"); fi
    check "configure the $lang $kind scaffold" 0 "${configure[@]}"
    check "build the $lang $kind scaffold" 0 "$CMAKE" --build "$dir/build"
    [ -f "$dir/build/tinyllm-$name.so" ] ||
        { echo "FAIL $lang $kind: tinyllm-$name.so was not built"; FAILURES=$((FAILURES + 1)); }
    check "the $lang $kind scaffold's own ctest" 0 "$CTEST" --test-dir "$dir/build" \
        --output-on-failure
    expect_output "its test ran validate and passed" "$name.validate .*Passed"

    cd "$dir"
    check "tinyllm plugins validate ($lang $kind)" 0 "$HOST" plugins validate \
        "build/tinyllm-$name.so"
    expect_output "validate creates the $kind component" \
        "ok +tinyllm.$kind/1 $name: create with its config"
    expect_output "validate calls it concurrently" "ok +tinyllm.$kind/1 $name: concurrent calls"
    expect_output "validate cancels a call" "ok +tinyllm.$kind/1 $name: cancellation"
    if [ "$kind" = mutation ]; then
        # The validator's sample graph: its node fails mostly by timing out, so the template
        # proposes one candidate with one more attempt.
        expect_output "the $lang mutation proposes one more attempt for the failing node" \
            "ok +tinyllm.mutation/1 $name: propose for a sample two-node graph: answered: 1 candidate\(s\); touching second: 75% of second's 8 failures are timeouts"
    fi
    if grep -q '^FAIL' "$WORK/out"; then
        echo "FAIL validate reports a failed check for the $lang $kind template:"
        sed 's/^/     /' "$WORK/out"
        FAILURES=$((FAILURES + 1))
    fi
    check "tinyllm plugins inspect ($lang $kind)" 0 "$HOST" --plugins build plugins inspect "$name"
    expect_output "inspect shows the $kind component" "Component $name"
    expect_output "inspect shows the kind" "Kind +tinyllm.$kind/1"
    cd "$WORK"
}

# behaviours LANG BACKEND NODE TOOL JUDGE: the four scaffolds of one language, loaded by the real
# host.
behaviours() {
    local lang=$1 backend=$2 node=$3 tool=$4 judge=$5
    local config=$WORK/$lang-config
    mkdir -p "$config"
    printf 'data_dir: %s\nplugins: [%s, %s, %s, %s]\n' "$WORK/data" "$WORK/$lang-backend/build" \
        "$WORK/$lang-node/build" "$WORK/$lang-tool/build" "$WORK/$lang-judge/build" \
        >"$config/system.yaml"
    cat >"$config/models.yaml" <<YAML
backends:
  - name: mine
    type: $backend
models:
  - name: $backend  # the one model the template's list_models reports, for doctor
    backend: mine
YAML
    local run=("$HOST" --config "$config")

    # The backend answers a chat through the real host, streamed and not.
    check "$lang: tinyllm ask through the backend" 0 "${run[@]}" ask --model "$backend" hi
    expect_output "$lang: the answer is the template's greeting" "Hello from $backend!"
    check "$lang: tinyllm ask --json" 0 "${run[@]}" ask --json --model "$backend" hi
    expect_output "$lang: the JSON answer is a chat response" '"done": ?true'

    # The node runs in a graph: it passes the message through and reports its route.
    cat >"$WORK/$lang-graph.yaml" <<YAML
id: scaffold-$lang
version: 1.0.0
entry: step
exits: [step]
nodes:
  - id: step
    type: $node
    config: {route: "onward"}
YAML
    check "$lang: tinyllm run a graph with the node" 0 "${run[@]}" run \
        --graph "$WORK/$lang-graph.yaml" "hello graph"
    expect_output "$lang: the node passes the message through" "^hello graph$"
    # With a system prompt the node asks the default model (the scaffolded backend's) through
    # the chat service, and the answer becomes the content.
    sed 's/config: {route: "onward"}/config: {route: "onward", system: "Be brief."}/' \
        "$WORK/$lang-graph.yaml" >"$WORK/$lang-ask.yaml"
    check "$lang: tinyllm run a graph with the node asking a model" 0 "${run[@]}" run \
        --graph "$WORK/$lang-ask.yaml" "hello graph"
    expect_output "$lang: the node's answer comes from the backend" "^Hello from $backend!$"

    # The tool answers `tinyllm tool NAME TEXT`, its arguments checked against the parameters
    # schema; JSON arguments, escapes and multi-byte characters are reversed by character.
    check "$lang: tinyllm tool list" 0 "${run[@]}" tool list
    expect_output "$lang: tool list shows the tool" "^ *$tool\b"
    check "$lang: tinyllm tool $tool abc" 0 "${run[@]}" tool "$tool" abc
    expect_output "$lang: the answer is the text reversed" "^cba$"
    check "$lang: tinyllm tool $tool JSON --json" 0 "${run[@]}" \
        tool "$tool" '{"text": "h\u00e9\"\u20ac\ud83d\ude00!"}' --json
    expect_output "$lang: the JSON result reverses by character" '"content": ?"!😀€\\"éh"'
    expect_output "$lang: the JSON result carries the tool's own fields" '"characters": ?6'
    check "$lang: tinyllm tool $tool from stdin" 0 \
        sh -c 'printf "hello world" | "$@" -' sh "${run[@]}" tool "$tool"
    expect_output "$lang: stdin input is reversed" "^dlrow olleh$"
    check "$lang: tinyllm doctor runs the tool's check" 0 "${run[@]}" doctor
    expect_output "$lang: doctor reports the tool's check" "tool $tool: ready, texts up to 10000 bytes"
    # Arguments that do not match the parameters schema are refused before invoke runs.
    check "$lang: tinyllm tool $tool with a wrong argument" 1 "${run[@]}" \
        tool "$tool" '{"txt": "abc"}'
    # tools.yaml config reaches create: input longer than max_length is refused.
    printf 'tools:\n  - name: %s\n    config: {max_length: 2}\n' "$tool" >"$config/tools.yaml"
    check "$lang: tinyllm tool $tool over max_length" 1 "${run[@]}" tool "$tool" abc
    expect_output "$lang: the refusal says why" "at most 2"

    # The judge grades under its own name with its defaults (answers of at most 2000
    # characters pass): `tinyllm grade` exits 0 on pass, 1 on fail.
    check "$lang: tinyllm judges list" 0 "${run[@]}" judges list
    expect_output "$lang: judges list shows the judge" "^$judge\b"
    check "$lang: tinyllm grade --judge $judge" 0 "${run[@]}" grade --judge "$judge" \
        --input "2+2" --output "2 + 2 = 4"
    expect_output "$lang: the verdict passes" "^PASS +score 1\.00 +judge $judge"
    expect_output "$lang: and says why" "9 characters, at most 2000"
    # judges.yaml instances with their own config reach create: a length limit counted in
    # characters (not bytes) and a required word matched in any case.
    cat >"$config/judges.yaml" <<YAML
judges:
  - name: short
    type: $judge
    config: {max_length: 5}
  - name: paris
    type: $judge
    config: {required: "PARIS"}
YAML
    check "$lang: grade --judge short, 5 characters in 6 bytes" 0 "${run[@]}" grade \
        --judge short --input "greet" --output "héllo" --json
    expect_output "$lang: counted by character" '"5 characters, at most 5"'
    check "$lang: grade --judge short, too long" 1 "${run[@]}" grade --judge short \
        --input "2+2" --output "2 + 2 = 4" --json
    expect_output "$lang: the verdict fails" '"pass": ?false'
    expect_output "$lang: with a score for how far over" '"score": ?0\.5555'
    expect_output "$lang: and the reason" 'the answer is 9 characters long; at most 5 pass'
    expect_output "$lang: labelled for forensics" '"failure": ?"too_long"'
    check "$lang: grade --judge paris, the word in another case" 0 "${run[@]}" grade \
        --judge paris --input "capital of France?" --output "It is Paris." --json
    expect_output "$lang: found" 'contains \\"PARIS\\"'
    check "$lang: grade --judge paris, the word missing" 1 "${run[@]}" grade --judge paris \
        --input "capital of France?" --output "Lyon" --json
    expect_output "$lang: missing" 'does not contain \\"PARIS\\"'
    expect_output "$lang: half the checks passed" '"score": ?0\.5[,}]?$'
    expect_output "$lang: labelled as a missing word" '"failure": ?"missing_word"'
    # A config the schema refuses never reaches the plugin.
    printf 'judges:\n  - name: bad\n    type: %s\n    config: {max_length: 0}\n' "$judge" \
        >"$config/judges.yaml"
    check "$lang: grade with max_length 0" 3 "${run[@]}" grade --judge bad --input a --output b
}

for lang in cpp c; do
    build_and_check "$lang" backend "scaffold-check_$lang"
    build_and_check "$lang" node "scaffold-node-$lang"
    build_and_check "$lang" tool "scaffold-tool_$lang"
    build_and_check "$lang" judge "scaffold-judge-$lang"
    build_and_check "$lang" mutation "scaffold-mutation-$lang"
    behaviours "$lang" "scaffold-check_$lang" "scaffold-node-$lang" "scaffold-tool_$lang" \
        "scaffold-judge-$lang"
done

# Without a tinyllm to validate with, the generated test is skipped, not passed.
check "reconfigure a scaffold without tinyllm" 0 "$CMAKE" -S "$WORK/c-node" -B "$WORK/c-node/build" \
    -DTINYLLM_EXECUTABLE=
check "its ctest" 0 "$CTEST" --test-dir "$WORK/c-node/build" --output-on-failure
expect_output "the test is reported as skipped" "validate .*Skipped"

if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES check(s) failed"
    exit 1
fi
echo "all checks passed"
