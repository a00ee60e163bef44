#!/usr/bin/env bash
# sdk.install: TinyLLM installed to a fresh prefix is an SDK a third party can build against with
# nothing from this checkout: a C++ node found through find_package(TinyLLM) and installed with
# cmake --install, and a C tool built with pkg-config alone. The installed host finds both in its
# default plugin directory, runs a graph with the node and calls the tool — and the host binary
# is the same file before and after (plugins never need the host rebuilt).
#
# Usage: install_test.sh BUILD_DIR FIXTURES_DIR CMAKE GENERATOR CXX CC [MAKE_PROGRAM]
set -euo pipefail

if [ $# -lt 6 ]; then
    echo "usage: $0 BUILD_DIR FIXTURES_DIR CMAKE GENERATOR CXX CC [MAKE_PROGRAM]" >&2
    exit 2
fi
BUILD=$1 FIXTURES=$2 CMAKE=$3 GENERATOR=$4 CXX_COMPILER=$5 C_COMPILER=$6 MAKE_PROGRAM=${7:-}

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
run "configure the node with find_package(TinyLLM 1.2 CONFIG)" \
    "$CMAKE" -S "$FIXTURES/cmake_node" -B "$WORK/node" "${cmake_args[@]}" || exit 1
run "it found the installed package, not this checkout" \
    grep -qx "TinyLLM_DIR:PATH=$PREFIX/lib/cmake/TinyLLM" "$WORK/node/CMakeCache.txt"
run "build the node" "$CMAKE" --build "$WORK/node" || exit 1
run "cmake --install the node" "$CMAKE" --install "$WORK/node" || exit 1
run "it went beside the host's plugins" test -f "$PREFIX/lib/tinyllm/plugins/tinyllm-shout.so"

# A version of the ABI this SDK does not provide is refused by find_package.
mkdir -p "$WORK/newer"
sed 's/find_package(TinyLLM 1.2 /find_package(TinyLLM 2.0 /' "$FIXTURES/cmake_node/CMakeLists.txt" \
    >"$WORK/newer/CMakeLists.txt"
cp "$FIXTURES/cmake_node/shout_node.cpp" "$WORK/newer/"
if "$CMAKE" -S "$WORK/newer" -B "$WORK/newer/build" "${cmake_args[@]}" >"$WORK/out" 2>&1; then
    fail "find_package(TinyLLM 2.0) accepted an ABI 1.x SDK"
else
    expect "find_package(TinyLLM 2.0) is refused" "TinyLLMConfigVersion|version"
fi

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
