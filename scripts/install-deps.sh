#!/usr/bin/env bash
# Installs every Debian 12 package that building and testing Weir needs. Safe to run again:
# it installs only what is missing. Run as root, or as a user who may use sudo.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ ccache python3
  antlr4 libantlr4-runtime-dev        # grammar tool (4.7.2) and C++ runtime (4.9)
  libfmt-dev nlohmann-json3-dev        # formatting, JSON output
  libboost-graph-dev libxxhash-dev     # the plan's DAG, fingerprints
  libtbb-dev                           # the runtime's parallel executor (oneTBB)
  libzstd-dev libsqlite3-dev           # the store: cache compression, the lineage database
  libxgboost-dev                       # gradient-boosted trees (the XGBoost C API)
  libfast-float-dev                    # the CSV reader's floats (fast_float, header-only)
  libsimdjson-dev                      # the JSON Lines reader's parser (nlohmann stays for the messages)
  python3-sklearn                      # tests compare metrics with scikit-learn
  python3-xgboost                      # tests load exported models with XGBoost's Python package
  python3-scipy                        # tests compare drift statistics (PSI, KS) with SciPy
  python3-pandas                       # tests compare windows and as-of joins with pandas
  python3-jsonschema python3-rfc3987   # tests validate SARIF and OpenLineage against their schemas
  neovim                               # a real LSP client for the language server's tests
  libcpp-httplib-dev                   # HTTP for `serve` and the webhooks of `watch`
  slurm-wlm munge                      # a one-host Slurm cluster for the executor's test (scripts/slurm-cluster.sh)
  libgtest-dev libgmock-dev            # unit tests
  llvm-19-tools                        # lit, FileCheck and not, for the compiler tests
  llvm-19-dev                          # the JIT of fused row pipelines (runtime/jit: ORC, libLLVM-19)
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
