#!/usr/bin/env bash
# Configures and builds Weir into build/ (or $WEIR_BUILD_DIR). Extra arguments go to CMake.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${WEIR_BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -G Ninja "$@" > /dev/null
cmake --build "$BUILD_DIR"
