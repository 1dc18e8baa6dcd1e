#!/usr/bin/env bash
# Quick start, part one: install what is needed, build, and check the flagship example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd examples/credit
../../"${WEIR_BUILD_DIR:-build}"/bin/weir check --emit=summary credit.mlflow
