#!/usr/bin/env bash
# Mutation testing: plant one bug at a time in the given C++ files (or in the lines changed since
# --base REV), rebuild the tests that link them, run them, and print each bug no test noticed.
# The work is done by scripts/mutate.py; docs/testing.md#mutation-testing explains it.
#   scripts/mutate.sh --base origin/main            the habit: what a change touched
#   scripts/mutate.sh host/src/graph/executor.cpp   a whole file (a module's score)
#   scripts/mutate.sh --help                        every option
set -euo pipefail
exec python3 "$(dirname "${BASH_SOURCE[0]}")/mutate.py" "$@"
