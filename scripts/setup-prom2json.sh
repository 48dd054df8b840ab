#!/usr/bin/env bash
# Builds prom2json, the Prometheus project's converter from the text exposition format to JSON, from
# the Go module proxy into .cache/tools/bin/prom2json (repo-relative, gitignored). The /metrics e2e test
# feeds it our output: its parser (prometheus/common expfmt) is the one Prometheus' own client
# libraries use, so a format mistake our own parser would share fails there. promtool would lint
# too, but it builds all of Prometheus (over 3 minutes here, and the newest tags need module
# versions the proxy does not serve); prom2json builds in under a minute.
# Idempotent: a stamp records the version built; when it matches, nothing is done.
# Usage: scripts/setup-prom2json.sh [--force]
set -euo pipefail

version="v1.4.2"
module="github.com/prometheus/prom2json/cmd/prom2json"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$repo_root/.cache/tools/bin"
stamp="$bin_dir/prom2json.version"

fail() {
  echo "setup-prom2json: $*" >&2
  exit 1
}

if [ "${1:-}" != "--force" ] && [ -x "$bin_dir/prom2json" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
  exit 0
fi

command -v go >/dev/null 2>&1 || fail "go not found; install Go 1.24+ (https://go.dev/dl/ or Debian's golang)"

mkdir -p "$bin_dir"
rm -f "$stamp"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "setup-prom2json: building $module@$version with $(go version | cut -d' ' -f3)" >&2
started=$SECONDS
if ! GOBIN="$bin_dir" GOFLAGS=-buildvcs=false go install "$module@$version" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  fail "go install $module@$version failed (output above)"
fi
echo "# TYPE x counter
x 1" | "$bin_dir/prom2json" >/dev/null 2>&1 || fail "the built prom2json does not run"
echo "$version" >"$stamp"
echo "setup-prom2json: ready in $((SECONDS - started)) s ($bin_dir/prom2json)" >&2
