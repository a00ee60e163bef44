#!/usr/bin/env bash
# Soak test of `tinyllm serve`: a fake Ollama-protocol server with injected faults, killed and
# restarted twice, behind the server, driven by 32 concurrent Ollama and OpenAI clients. Prints
# its figures and fails unless the server stayed up, every request got an answer or a clean
# error, no run was lost and RSS and descriptors stayed flat (tests/soak/soak.py says how).
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/soak.sh [--minutes N] [--build DIR] [-- SOAK_ARGS...]

  --minutes N   how long to drive the server (default 2; docs/reliability.md has a 60-minute run)
  --build DIR   the build with tinyllm-host and fake-ollama (default: build/, else build-asan/)
  SOAK_ARGS     passed to tests/soak/soak.py: --clients N (32), --fault-rate R (0.05),
                --token-delay-ms N (2), --seed N (1), --json
TXT
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MINUTES=2
BUILD=
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
    --minutes) MINUTES=${2:?--minutes needs a value}; shift ;;
    --build) BUILD=${2:?--build needs a value}; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "soak.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$BUILD" ]; then
    for candidate in "$ROOT/build" "$ROOT/build-asan"; do
        if [ -x "$candidate/bin/tinyllm-host" ]; then BUILD=$candidate; break; fi
    done
fi
for binary in tinyllm-host fake-ollama; do
    if [ ! -x "$BUILD/bin/$binary" ]; then
        echo "soak.sh: no $binary in ${BUILD:-build/ or build-asan/}/bin (build first: scripts/setup.sh)" >&2
        exit 2
    fi
done
exec python3 "$ROOT/tests/soak/soak.py" --host-bin "$BUILD/bin/tinyllm-host" \
    --fake-ollama "$BUILD/bin/fake-ollama" --config-src "$ROOT/config" --minutes "$MINUTES" "${EXTRA[@]}"
