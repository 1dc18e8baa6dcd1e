#!/usr/bin/env bash
# Configures and builds Weir into build/ (or $WEIR_BUILD_DIR). Extra arguments go to CMake.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${WEIR_BUILD_DIR:-build}"
# ccache hits across clones of the repository (CI builds a fresh clone in a folder of its own):
# paths are hashed relative to the clone, and the build folder's own path is not hashed.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(pwd)}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
cmake -S . -B "$BUILD_DIR" -G Ninja "$@" > /dev/null
cmake --build "$BUILD_DIR"
