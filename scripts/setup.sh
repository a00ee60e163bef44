#!/usr/bin/env bash
# Set up TinyLLM on Debian 12: install the Debian packages it needs (only the missing ones, so a
# second run is fast), build with CMake + Ninja, and install `tinyllm` / `tinyllm-host`.
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/setup.sh [--deps-only] [--no-install] [--prefix DIR] [--build-dir DIR]

  --deps-only     install the Debian packages, then stop
  --no-install    build, but do not install
  --prefix DIR    install prefix (default: /usr/local as root, ~/.local otherwise)
  --build-dir DIR build directory (default: build)

Installs tinyllm-host, its `tinyllm` alias, the plugins (lib/tinyllm/plugins), the SDK headers
and the default config (share/tinyllm/config). Needs apt-get (Debian 12) and root or sudo for
the packages.
TXT
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR="$ROOT/build"
PREFIX=""
DEPS_ONLY=0
INSTALL=1
while [ $# -gt 0 ]; do
    case "$1" in
    --deps-only) DEPS_ONLY=1 ;;
    --no-install) INSTALL=0 ;;
    --prefix) PREFIX=${2:?--prefix needs a directory}; shift ;;
    --build-dir) BUILD_DIR=${2:?--build-dir needs a directory}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "setup.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# Every package the build, the tests and the tools need. Keep in sync with docs/ and CMake.
PACKAGES=(
    g++ cmake ninja-build pkg-config git
    libboost-dev libboost-filesystem-dev libboost-program-options-dev
    libyaml-cpp-dev rapidjson-dev libcurl4-openssl-dev libspdlog-dev libfmt-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    libsqlite3-dev libseccomp-dev bubblewrap libkainjow-mustache-dev libre2-dev libssl-dev
    libxxhash-dev
    python3 jq
    # /metrics of tinyllm serve, read by Prometheus' own text-format parser in a test.
    python3-prometheus-client
    # The dashboard of tinyllm serve, tested in headless Chromium (driven by Playwright from npm).
    chromium
    # The fuzz targets (scripts/fuzz.sh): clang and its libFuzzer runtime (libclang_rt.fuzzer).
    clang libclang-rt-14-dev
)

# Node.js and npm for the test of the official client libraries against tinyllm serve, unless
# some Node.js is there already (another source's nodejs may bundle npm and refuse Debian's).
command -v npm >/dev/null || PACKAGES+=(nodejs npm)

missing_packages() {
    local p status
    for p in "${PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$status" = "installed" ] || echo "$p"
    done
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else echo "setup.sh: need root or sudo to install: $*" >&2; exit 1
    fi
}

if ! command -v dpkg-query >/dev/null; then
    echo "setup.sh: this script needs a Debian-based system (dpkg/apt-get)" >&2
    exit 1
fi
mapfile -t MISSING < <(missing_packages)
if [ ${#MISSING[@]} -gt 0 ]; then
    echo "setup.sh: installing ${MISSING[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${MISSING[@]}" >/dev/null
else
    echo "setup.sh: all ${#PACKAGES[@]} packages already installed" >&2
fi
[ "$DEPS_ONLY" -eq 1 ] && exit 0

cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR"

[ "$INSTALL" -eq 1 ] || exit 0
if [ -z "$PREFIX" ]; then
    if [ "$(id -u)" -eq 0 ]; then PREFIX=/usr/local; else PREFIX="$HOME/.local"; fi
fi
cmake --install "$BUILD_DIR" --prefix "$PREFIX" >/dev/null
echo "setup.sh: installed tinyllm to $PREFIX/bin" >&2
case ":$PATH:" in
*":$PREFIX/bin:"*) ;;
*) echo "setup.sh: add $PREFIX/bin to your PATH to run tinyllm" >&2 ;;
esac
