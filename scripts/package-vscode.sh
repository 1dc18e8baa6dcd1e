#!/usr/bin/env bash
# Packages the VS Code extension (editors/vscode) as a .vsix: installs its npm dependencies
# (vscode-languageclient, and @vscode/vsce to package) as package-lock.json pins them, in a
# copy of the folder, then runs `vsce package`. Needs node and npm (Debian: nodejs, npm) and the
# npm registry; nothing else of the project's build or tests uses them.
# usage: scripts/package-vscode.sh [OUT.vsix]   (default: build/weir-VERSION.vsix)
# Install: code --install-extension OUT.vsix (the `weir` on PATH, or the setting weir.path).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$root/editors/vscode/package.json")"
out="${1:-$root/build/weir-$version.vsix}"
for tool in node npm; do
  command -v "$tool" > /dev/null || { echo "package-vscode: $tool is needed (apt-get install nodejs npm)" >&2; exit 2; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$root/editors/vscode/." "$work/"
rm -rf "$work/node_modules"
(cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
(cd "$work" && npx --no-install vsce package --allow-missing-repository --skip-license --out "$out")
echo "package-vscode: $out"
