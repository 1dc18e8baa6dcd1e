#!/usr/bin/env bash
# Quick start, part two: install what is needed, build, and run every test (unit, lit, end to end).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd "${WEIR_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)"
