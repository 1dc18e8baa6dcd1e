#!/usr/bin/env bash
# Quick start, part one: install what is needed, build, and run the flagship example (up to
# the nodes that need models, which come in a later version).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd examples/credit
../../"${WEIR_BUILD_DIR:-build}"/bin/weir run credit.mlflow
