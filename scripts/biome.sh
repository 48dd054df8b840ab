#!/usr/bin/env bash
# Runs Biome (lint + format), pinned below. It is installed into .cache/tools rather than listed in
# package.json: the npm registry this project's machines reach does not carry every platform
# package Biome lists as optional, and `npm ci` refuses a lock file without them. Remove this
# indirection once `npm ci` accepts @biomejs/biome in the lock file here.
# Usage: scripts/biome.sh <biome arguments>, e.g. scripts/biome.sh check --error-on-warnings .
set -euo pipefail
version="2.6.8"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$repo_root/.cache/tools/biome-$version"
if [ ! -x "$prefix/node_modules/.bin/biome" ]; then
  npm install --prefix "$prefix" --no-package-lock --no-audit --no-fund --loglevel=error "@biomejs/biome@$version" >&2
fi
exec "$prefix/node_modules/.bin/biome" "$@"
