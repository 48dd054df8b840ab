#!/usr/bin/env bash
# Creates the Python virtualenv the benchmark's MLflow peer runs from: .cache/bench-venv
# (repo-relative, gitignored) with the full `mlflow` package (it carries `mlflow server`, the
# tracking server; `mlflow-skinny` does not). Kept apart from .cache/venv so MLflow's large
# dependency tree never touches the venv the wandb e2e tests run in.
# Idempotent: a stamp file records the hash of the pin and of the interpreter; when both match,
# nothing is done. Usage: bench/setup-mlflow.sh [--force]
set -euo pipefail

# The version the committed results were measured with; bump it deliberately and re-run the bench.
# (3.18.0 is listed on PyPI, but its mlflow-skinny==3.18.0 dependency was not installable from the
# package index this was set up against; 3.17.2 is the newest release whose whole tree resolves.)
MLFLOW_VERSION="3.17.2"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.cache/bench-venv"
stamp="$venv/.ballast-mlflow.sha256"
python="${PYTHON:-python3}"

fail() {
  echo "setup-mlflow: $*" >&2
  exit 1
}

command -v "$python" >/dev/null 2>&1 || fail "$python not found; install Python 3.10+ (Debian: apt-get install python3 python3-venv)"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
  fail "$("$python" --version 2>&1) is too old; mlflow $MLFLOW_VERSION needs Python 3.10+"

# The stamp covers the pin and the interpreter that built the venv, so a Python upgrade or a new
# pin rebuilds it.
wanted="$( (echo "mlflow==$MLFLOW_VERSION"; "$python" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)"
if [ "${1:-}" != "--force" ] && [ -x "$venv/bin/mlflow" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi

# Debian splits ensurepip (needed by `python3 -m venv`) into python3-venv / python3.X-venv.
if ! "$python" -c 'import ensurepip' >/dev/null 2>&1; then
  version="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  fail "$python has no ensurepip; install it first: sudo apt-get install python$version-venv"
fi

rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$venv" || fail "could not create the virtualenv at $venv"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "setup-mlflow: installing mlflow==$MLFLOW_VERSION into .cache/bench-venv (a few minutes the first time)" >&2
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "mlflow==$MLFLOW_VERSION" >"$log" 2>&1; then
  cat "$log" >&2
  fail "pip install mlflow==$MLFLOW_VERSION failed (output above)"
fi
"$venv/bin/mlflow" --version >"$log" 2>&1 || { cat "$log" >&2; fail "mlflow does not run in the new venv"; }
echo "$wanted" >"$stamp"
echo "setup-mlflow: ready ($(cat "$log"))" >&2
