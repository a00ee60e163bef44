#!/usr/bin/env bash
# sdk.install: TinyLLM installed to a fresh prefix is an SDK a third party can build against with
# nothing from this checkout: a C++ node found through find_package(TinyLLM) and installed with
# cmake --install, and a C tool built with pkg-config alone. The installed host finds both in its
# default plugin directory, runs a graph with the node and calls the tool — and the host binary
# is the same file before and after (plugins never need the host rebuilt).
# Then the installed `tinyllm plugins new` scaffolds one plugin of each kind in C++ and in C;
# each builds with find_package(TinyLLM) against the prefix alone, passes its own ctest (the
# installed host's `plugins validate`), installs beside the host and runs in it: the backend
# through `tinyllm ask`, the node in a graph, the tool through `tinyllm tool`.
#
# Usage: install_test.sh BUILD_DIR FIXTURES_DIR CMAKE GENERATOR CXX CC [MAKE_PROGRAM]
set -euo pipefail

if [ $# -lt 6 ]; then
    echo "usage: $0 BUILD_DIR FIXTURES_DIR CMAKE GENERATOR CXX CC [MAKE_PROGRAM]" >&2
    exit 2
fi
BUILD=$1 FIXTURES=$2 CMAKE=$3 GENERATOR=$4 CXX_COMPILER=$5 C_COMPILER=$6 MAKE_PROGRAM=${7:-}
CTEST=$(dirname "$CMAKE")/ctest

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tinyllm-sdk-install.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT
PREFIX=$WORK/prefix
# Nothing from the user's environment: no config, no plugin path, no pkg-config search path.
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config
unset TINYLLM_PLUGIN_PATH TINYLLM_CONFIG PKG_CONFIG_PATH CMAKE_PREFIX_PATH
mkdir -p "$HOME"

FAILURES=0
fail() {
    echo "FAIL $*"
    FAILURES=$((FAILURES + 1))
}
# run DESCRIPTION COMMAND...: runs it with its output in $WORK/out; a failure is reported.
run() {
    local what=$1
    shift
    if "$@" >"$WORK/out" 2>&1; then
        echo "ok   $what"
        return 0
    fi
    fail "$what (exit $?):"
    sed 's/^/     /' "$WORK/out"
    return 1
}
expect() { # expect DESCRIPTION PATTERN: the last command's output matches
    if grep -Eq -- "$2" "$WORK/out"; then
        echo "ok   $1"
    else
        fail "$1: output lacks /$2/:"
        sed 's/^/     /' "$WORK/out"
    fi
}

run "cmake --install to a fresh prefix" "$CMAKE" --install "$BUILD" --prefix "$PREFIX" || exit 1
HOST=$PREFIX/bin/tinyllm
host_sum=$(sha256sum "$PREFIX/bin/tinyllm-host" | cut -d' ' -f1)

# The C++ node: find_package(TinyLLM) with the prefix as the only hint.
cmake_args=(-G "$GENERATOR" -DCMAKE_CXX_COMPILER="$CXX_COMPILER" -DCMAKE_PREFIX_PATH="$PREFIX"
    -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_BUILD_TYPE=Release)
[ -n "$MAKE_PROGRAM" ] && cmake_args+=(-DCMAKE_MAKE_PROGRAM="$MAKE_PROGRAM")
run "configure the node with find_package(TinyLLM 2.0 CONFIG)" \
    "$CMAKE" -S "$FIXTURES/cmake_node" -B "$WORK/node" "${cmake_args[@]}" || exit 1
run "it found the installed package, not this checkout" \
    grep -qx "TinyLLM_DIR:PATH=$PREFIX/lib/cmake/TinyLLM" "$WORK/node/CMakeCache.txt"
run "build the node" "$CMAKE" --build "$WORK/node" || exit 1
run "cmake --install the node" "$CMAKE" --install "$WORK/node" || exit 1
run "it went beside the host's plugins" test -f "$PREFIX/lib/tinyllm/plugins/tinyllm-shout.so"

# A version of the ABI this SDK does not provide is refused by find_package: a newer major, and
# the previous one (a plugin written for ABI 1.x does not build against 2.x).
for other in 3.0 1.2; do
    mkdir -p "$WORK/abi-$other"
    sed "s/find_package(TinyLLM 2.0 /find_package(TinyLLM $other /" \
        "$FIXTURES/cmake_node/CMakeLists.txt" >"$WORK/abi-$other/CMakeLists.txt"
    cp "$FIXTURES/cmake_node/shout_node.cpp" "$WORK/abi-$other/"
    if ! grep -q "find_package(TinyLLM $other " "$WORK/abi-$other/CMakeLists.txt"; then
        fail "the fixture no longer asks for find_package(TinyLLM 2.0 ...): update this test"
    elif "$CMAKE" -S "$WORK/abi-$other" -B "$WORK/abi-$other/build" "${cmake_args[@]}" \
        >"$WORK/out" 2>&1; then
        fail "find_package(TinyLLM $other) accepted an ABI 2.x SDK"
    else
        expect "find_package(TinyLLM $other) is refused" "TinyLLMConfigVersion|version"
    fi
done

# The C tool: pkg-config only, plain cc.
export PKG_CONFIG_PATH=$PREFIX/share/pkgconfig
run "pkg-config knows tinyllm-sdk" pkg-config --exists --print-errors tinyllm-sdk
plugindir=$(pkg-config --variable=plugindir tinyllm-sdk)
read -r -a cflags <<<"$(pkg-config --cflags tinyllm-sdk)"
run "build the tool with pkg-config --cflags" \
    "$C_COMPILER" -std=c11 -Wall -Wextra -Wpedantic -Werror -shared -fPIC -fvisibility=hidden \
    "${cflags[@]}" -o "$plugindir/tinyllm-count.so" "$FIXTURES/pkgconfig_tool/count_tool.c" \
    -Wl,--no-undefined || exit 1

# The installed host finds both in its default directory.
cd "$WORK"
run "tinyllm plugins list" "$HOST" plugins list
expect "the node is listed from the prefix" "^org.example.shout .*$PREFIX/lib/tinyllm/plugins/tinyllm-shout.so"
expect "the tool is listed from the prefix" "^org.example.count .*$PREFIX/lib/tinyllm/plugins/tinyllm-count.so"
run "tinyllm tool count" "$HOST" tool count "hello"
expect "the tool answers" "^5$"
cat >"$WORK/shout.yaml" <<'YAML'
id: shout
version: 1.0.0
entry: s
exits: [s]
nodes:
  - id: s
    type: shout
YAML
run "tinyllm run a graph with the node" "$HOST" run --graph "$WORK/shout.yaml" "hello sdk"
expect "the node answers" "^HELLO SDK$"

# ---- the installed scaffolder ---------------------------------------------------------------

for dir in c/common c/backend c/node c/tool c/judge c/mutation cpp/common cpp/backend cpp/node \
    cpp/tool cpp/judge cpp/mutation; do
    test -d "$PREFIX/share/tinyllm/templates/$dir" || fail "templates/$dir was not installed"
done
# Component names are unique per kind across the plugin directory: one name per language.
declare -A NAMES=([backend]=greet [node]=step [tool]=rev)
mkdir -p "$WORK/gen"
for lang in cpp c; do
    for kind in backend node tool; do
        name=${NAMES[$kind]}_$lang
        dir=$WORK/gen/$name
        run "tinyllm plugins new $kind $name --lang $lang" \
            "$HOST" plugins new "$kind" "$name" "$dir" --lang "$lang" || continue
        expect "the next steps name the prefix" "-DCMAKE_PREFIX_PATH=$PREFIX( |$)"
        # Configure and build the six in parallel: each is a few seconds of mostly one core.
        ("$CMAKE" -S "$dir" -B "$dir/build" "${cmake_args[@]}" -DCMAKE_C_COMPILER="$C_COMPILER" \
            --no-warn-unused-cli && "$CMAKE" --build "$dir/build") >"$dir.log" 2>&1 &
    done
done
wait
for lang in cpp c; do
    for kind in backend node tool; do
        name=${NAMES[$kind]}_$lang
        dir=$WORK/gen/$name
        if [ ! -f "$dir/build/tinyllm-$name.so" ]; then
            fail "configure and build the $lang $kind scaffold:"
            sed 's/^/     /' "$dir.log"
            continue
        fi
        echo "ok   configure and build the $lang $kind scaffold"
        run "$name found the installed package" \
            grep -qx "TinyLLM_DIR:PATH=$PREFIX/lib/cmake/TinyLLM" "$dir/build/CMakeCache.txt"
        run "$name tests with the installed host" \
            grep -qx "TINYLLM_EXECUTABLE:FILEPATH=$PREFIX/bin/tinyllm" "$dir/build/CMakeCache.txt"
        run "$name: its own ctest" "$CTEST" --test-dir "$dir/build" --output-on-failure
        expect "$name: the validate test ran and passed" "$name.validate .*Passed"
        run "cmake --install $name" "$CMAKE" --install "$dir/build"
    done
done

# The C tool's source also builds with nothing but pkg-config's flags (it is one file: JSON goes
# through the host's JSON service), as C99 too; the installed host validates that file.
run "the scaffolded C project has no JSON helper" test ! -e "$WORK/gen/rev_c/mini_json.h"
run "build the scaffolded C tool with pkg-config --cflags as C99" \
    "$C_COMPILER" -std=c99 -Wall -Wextra -Wpedantic -Werror -fsyntax-only "${cflags[@]}" \
    "$WORK/gen/rev_c/rev_c.c"
run "build the scaffolded C tool with pkg-config --cflags" \
    "$C_COMPILER" -std=c11 -Wall -Wextra -Wpedantic -Werror -shared -fPIC -fvisibility=hidden \
    "${cflags[@]}" -o "$WORK/gen/pkgconfig-rev.so" "$WORK/gen/rev_c/rev_c.c" \
    -Wl,--no-undefined &&
    run "tinyllm plugins validate it" "$HOST" plugins validate "$WORK/gen/pkgconfig-rev.so"

cd "$WORK"
run "tinyllm plugins list" "$HOST" plugins list
for name in greet_cpp step_cpp rev_cpp greet_c step_c rev_c; do
    expect "$name is listed from the prefix" "$PREFIX/lib/tinyllm/plugins/tinyllm-$name.so"
done
for lang in cpp c; do
    run "tinyllm tool rev_$lang" "$HOST" tool "rev_$lang" "hello sdk"
    expect "the $lang tool answers" "^kds olleh$"
    cat >"$WORK/step_$lang.yaml" <<YAML
id: step-$lang
version: 1.0.0
entry: s
exits: [s]
nodes:
  - id: s
    type: step_$lang
YAML
    run "tinyllm run a graph with the $lang node" \
        "$HOST" run --graph "$WORK/step_$lang.yaml" "through $lang"
    expect "the $lang node passes the message on" "^through $lang$"
done
# The backends, named in a models.yaml of their own.
mkdir -p "$WORK/config"
printf 'data_dir: %s\n' "$WORK/data" >"$WORK/config/system.yaml"
cat >"$WORK/config/models.yaml" <<'YAML'
backends:
  - name: in-cpp
    type: greet_cpp
  - name: in-c
    type: greet_c
    config: {greeting: "Hi from C"}
models:
  - name: greet_cpp
    backend: in-cpp
  - name: greet_c
    backend: in-c
YAML
run "tinyllm ask the C++ backend" "$HOST" --config "$WORK/config" ask --model greet_cpp hello
expect "the C++ backend answers" "Hello from greet_cpp!"
run "tinyllm ask the C backend" "$HOST" --config "$WORK/config" ask --model greet_c hello
expect "the C backend answers with its configured greeting" "Hi from C"

if [ "$(sha256sum "$PREFIX/bin/tinyllm-host" | cut -d' ' -f1)" = "$host_sum" ]; then
    echo "ok   the host binary is unchanged"
else
    fail "the host binary changed"
fi

if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES check(s) failed"
    exit 1
fi
echo "all checks passed"
