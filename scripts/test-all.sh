#!/usr/bin/env bash
# The full test command (README "Run the tests"); .ci/run calls it on a fresh machine.
# Installs what it needs itself: Node.js 24 and the npm dependencies (npm ci), the Python `wandb`
# client in a virtualenv (scripts/setup-python.sh), Debian's Chromium for the web UI's browser tests
# (scripts/setup-browser.sh), MariaDB, Redis and OpenLDAP (scripts/setup-services.sh), MinIO for the S3 store's
# tests (scripts/setup-minio.sh), fake-gcs-server for the GCS store's (scripts/setup-fake-gcs.sh),
# prom2json for the /metrics test (scripts/setup-prom2json.sh), kube-apiserver, etcd and helm for
# the chart, operator and console tests (scripts/setup-kube.sh), and hclfmt, checkov and the providers' schemas for the
# Terraform modules' checks (scripts/setup-terraform-tools.sh). Then: types, lint, dependency direction, the
# web UI's build, and every test suite — the real-client suites a second time on the production
# stack (MariaDB, MinIO, Redis, SQS) and the file and artifact suites again with an Azure container
# (Azurite, from npm) and with a GCS bucket (fake-gcs-server) — ending with the line
# `N passed, N failed` (the passes summed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n== %s\n' "$*"; }

# Builds run in the background while the other steps run; each writes `ok`, or the end of its
# output when it failed, into a status file that the tests needing its tools wait for.
build_in_background() {
  local status="$1"
  shift
  rm -f "$status"
  (
    log="$(mktemp)"
    if "$@" >"$log" 2>&1; then
      cat "$log" >&2
      echo ok >"$status.tmp"
    else
      tail -n 60 "$log" >"$status.tmp"
    fi
    rm -f "$log"
    mv "$status.tmp" "$status"
  ) &
}
mkdir -p .cache

# MinIO takes ~5 min on a fresh machine; the first test that needs one of these waits for it
# (e2e/support/tools.ts), so the suites start as soon as the checks below are done. The builds run
# below the tests' priority, so the suites they share the CPU with keep their pace.
step "Go tools, built in the background: MinIO (S3 store tests), prom2json (/metrics test), fake-gcs-server (GCS store tests)"
export BALLAST_GO_TOOLS_STATUS="$PWD/.cache/go-tools.status"
build_in_background "$BALLAST_GO_TOOLS_STATUS" nice -n 5 \
  bash -c 'bash scripts/setup-minio.sh && bash scripts/setup-prom2json.sh && bash scripts/setup-fake-gcs.sh'

# kube-apiserver takes the longest (~8 min of CPU on a fresh machine): it builds at low priority,
# and only the last test pass (e2e-kube) waits for it (scripts/run-tests.ts).
step "Go tools for the Kubernetes tests, built in the background: kube-apiserver, etcd, helm, an OCI registry"
export BALLAST_KUBE_TOOLS_STATUS="$PWD/.cache/kube-tools.status"
build_in_background "$BALLAST_KUBE_TOOLS_STATUS" nice -n 10 bash scripts/setup-kube.sh

# hclfmt (a small Go build), checkov (PyPI) and the providers' schemas (npm) for the Terraform
# modules' formatting and static checks; e2e/terraform.e2e.test.ts, in the last pass, waits for them.
step "Terraform tools, in the background: hclfmt, checkov, provider schemas"
export BALLAST_TERRAFORM_TOOLS_STATUS="$PWD/.cache/terraform-tools.status"
build_in_background "$BALLAST_TERRAFORM_TOOLS_STATUS" nice -n 10 bash scripts/setup-terraform-tools.sh

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

step "tests"
"$node24" scripts/run-tests.ts all
