#!/usr/bin/env bash
# Scaffold a third-party TinyLLM plugin: a thin wrapper around `tinyllm plugins new`, which
# writes a CMake project from the templates installed with TinyLLM (sdk/templates in this
# checkout, share/tinyllm/templates when installed). The project finds the SDK with
# find_package(TinyLLM) and tests itself with `tinyllm plugins validate`.
#
# The tinyllm it runs: $TINYLLM_EXECUTABLE if set, else this checkout's build/bin/tinyllm if it
# was built, else the one on PATH.
#
# Exit codes: 0 done, 2 usage error (bad arguments, a kind the SDK cannot scaffold), 1 failure.
set -uo pipefail

PROG=${0##*/}
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

find_tinyllm() {
    if [ -n "${TINYLLM_EXECUTABLE:-}" ]; then
        printf '%s\n' "$TINYLLM_EXECUTABLE"
    elif [ -x "$SCRIPT_DIR/../build/bin/tinyllm" ]; then
        printf '%s\n' "$SCRIPT_DIR/../build/bin/tinyllm"
    else
        command -v tinyllm
    fi
}

usage() {
    cat <<TXT
Usage: $PROG KIND NAME [DIR] [--lang c|cpp]

Create a new TinyLLM plugin project (runs 'tinyllm plugins new KIND NAME [DIR]').

  KIND   the component kind: backend (a model server client, tinyllm.backend/1),
         node (a step of a graph, tinyllm.node/1), tool (an exact capability that
         models and 'tinyllm tool NAME' call, tinyllm.tool/1), judge (grades an
         answer for 'tinyllm grade', gates and evaluations, tinyllm.judge/1) or
         mutation (proposes better graphs for a node that keeps failing,
         tinyllm.mutation/1).
  NAME   the component name: lowercase letters, digits, '_' and '-' ([a-z0-9_-]+).
         The plugin file will be tinyllm-NAME.so.
  DIR    where to create the project (default: ./tinyllm-plugin-NAME); must not exist.

Options:
  --lang c|cpp   the project's language (default cpp)
  -h, --help     show this help

Then (the exact commands are printed):
  cmake -S DIR -B DIR/build -DCMAKE_PREFIX_PATH=<TinyLLM's prefix>
  cmake --build DIR/build && ctest --test-dir DIR/build

The tinyllm used: \$TINYLLM_EXECUTABLE, else this checkout's build/bin/tinyllm, else PATH.
TXT
}

for arg in "$@"; do
    case "$arg" in
    -h | --help) usage; exit 0 ;;
    --) break ;;
    esac
done

if ! TINYLLM=$(find_tinyllm) || [ ! -x "$TINYLLM" ]; then
    echo "$PROG: cannot find tinyllm: build this checkout (build/bin/tinyllm), put tinyllm on" \
        "PATH, or set TINYLLM_EXECUTABLE" >&2
    exit 1
fi

status=0
"$TINYLLM" plugins new "$@" || status=$?
case "$status" in
0) exit 0 ;;
2) echo "Try '$PROG --help'." >&2; exit 2 ;;
*) exit 1 ;;
esac
