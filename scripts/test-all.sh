#!/usr/bin/env bash
# The full test command (README "Run the tests"); .ci/run calls it on a fresh machine.
# Installs what it needs itself: Node.js 24 and the npm dependencies (npm ci), the Python `wandb`
# client in a virtualenv (scripts/setup-python.sh), Debian's Chromium for the web UI's browser tests
# (scripts/setup-browser.sh), MariaDB and Redis (scripts/setup-services.sh), MinIO for the S3 store's
# tests (scripts/setup-minio.sh), fake-gcs-server for the GCS store's (scripts/setup-fake-gcs.sh),
# prom2json for the /metrics test (scripts/setup-prom2json.sh), and kube-apiserver, etcd and helm for
# the chart, operator and console tests (scripts/setup-kube.sh). Then: types, lint, dependency direction, the
# web UI's build, and every test suite — the real-client suites a second time on the production
# stack (MariaDB, MinIO, Redis, SQS) and the file and artifact suites again with an Azure container
# (Azurite, from npm) and with a GCS bucket (fake-gcs-server) — ending with the line
# `N passed, N failed` (the passes summed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n== %s\n' "$*"; }

# The Go tools take minutes to build on a fresh machine (MinIO ~5): they build in the background
# while the other steps run, and the tests wait for them.
step "Go tools, built in the background: MinIO (S3 store tests), prom2json (/metrics test), fake-gcs-server (GCS store tests)"
go_log="$(mktemp)"
(bash scripts/setup-minio.sh && bash scripts/setup-prom2json.sh && bash scripts/setup-fake-gcs.sh) >"$go_log" 2>&1 &
go_tools=$!

# kube-apiserver takes the longest (~8 min of CPU on a fresh machine). It builds at low priority
# while everything else runs, and only the last test pass (e2e-kube) waits for it.
step "Go tools for the Kubernetes tests, built in the background: kube-apiserver, etcd, helm"
export BALLAST_KUBE_TOOLS_STATUS="$PWD/.cache/kube-tools.status"
mkdir -p .cache
rm -f "$BALLAST_KUBE_TOOLS_STATUS"
(
  kube_log="$(mktemp)"
  if nice -n 10 bash scripts/setup-kube.sh >"$kube_log" 2>&1; then
    cat "$kube_log" >&2
    echo ok >"$BALLAST_KUBE_TOOLS_STATUS.tmp"
  else
    tail -n 60 "$kube_log" >"$BALLAST_KUBE_TOOLS_STATUS.tmp"
  fi
  rm -f "$kube_log"
  mv "$BALLAST_KUBE_TOOLS_STATUS.tmp" "$BALLAST_KUBE_TOOLS_STATUS"
) &

step "npm ci (Node.js 24 and dependencies from the npm registry)"
npm ci --no-audit --no-fund --loglevel=error
node24="$PWD/node_modules/.bin/node"
"$node24" -e 'if (+process.versions.node.split(".")[0] < 24) { console.error("Node 24 missing after npm ci"); process.exit(1) }'

step "Python wandb client (virtualenv)"
bash scripts/setup-python.sh
.cache/venv/bin/python -c 'import wandb; print("wandb", wandb.__version__)'

step "Chromium for the browser tests (Debian package)"
bash scripts/setup-browser.sh
/usr/bin/chromium --version

step "MariaDB and Redis for the production-stack tests (Debian packages)"
bash scripts/setup-services.sh
/usr/sbin/mariadbd --version

step "typecheck"
node_modules/.bin/tsc -p tsconfig.json --noEmit
node_modules/.bin/tsc -p apps/web/tsconfig.json --noEmit

step "lint and format (zero warnings)"
bash scripts/biome.sh check --error-on-warnings .

step "dependency direction"
"$node24" scripts/check-deps.ts

step "web UI build (Vite)"
npm run build -w apps/web --silent
# The browser tests serve this build instead of each building it again (e2e/support/browser.ts).
export BALLAST_WEB_BUILT=1

step "Go tools (waiting for the background build)"
if ! wait "$go_tools"; then
  cat "$go_log" >&2
  echo "building the Go tools failed (output above)" >&2
  exit 1
fi
cat "$go_log"
rm -f "$go_log"

step "tests"
"$node24" scripts/run-tests.ts all
