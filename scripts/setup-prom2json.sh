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

source "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh"

check_tool() {
  printf '# TYPE x counter\nx 1\n' | "$1" >/dev/null 2>&1
}

install_go_tool prom2json "$module" "$version" "${1:-}"
