#!/usr/bin/env bash
# Creates the Python virtualenv the end-to-end tests drive the real `wandb` client from:
# .cache/venv (repo-relative, gitignored), with e2e/python/requirements.txt installed.
# Idempotent: a stamp file records the hash of the requirements and of the interpreter; when both
# match, nothing is done. Usage: scripts/setup-python.sh [--force]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.cache/venv"
requirements="$repo_root/e2e/python/requirements.txt"
stamp="$venv/.ballast-requirements.sha256"
python="${PYTHON:-python3}"

fail() {
  echo "setup-python: $*" >&2
  exit 1
}

command -v "$python" >/dev/null 2>&1 || fail "$python not found; install Python 3.10+ (Debian: apt-get install python3 python3-venv)"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
  fail "$("$python" --version 2>&1) is too old; wandb 0.31 needs Python 3.10+"
[ -f "$requirements" ] || fail "missing $requirements"

# The stamp covers the requirements and the interpreter that built the venv, so a Python upgrade
# or an edited requirements file rebuilds it.
wanted="$( (cat "$requirements"; "$python" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)"
if [ "${1:-}" != "--force" ] && [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi

# Debian splits ensurepip (needed by `python3 -m venv`) into python3-venv / python3.X-venv.
if ! "$python" -c 'import ensurepip' >/dev/null 2>&1; then
  version="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup-python: installing python3-venv (ensurepip is missing)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null ||
      fail "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python$version-venv" >/dev/null 2>&1 ||
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null ||
      fail "apt-get install python3-venv failed"
  else
    fail "$python has no ensurepip; install it first: sudo apt-get install python$version-venv"
  fi
fi

rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$venv" || fail "could not create the virtualenv at $venv"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "setup-python: installing $(grep -cvE '^\s*(#|$)' "$requirements") requirement(s) into .cache/venv" >&2
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements" >"$log" 2>&1; then
  cat "$log" >&2
  fail "pip install -r e2e/python/requirements.txt failed (output above)"
fi
"$venv/bin/python" -c 'import wandb' 2>"$log" || { cat "$log" >&2; fail "wandb does not import in the new venv"; }
echo "$wanted" >"$stamp"
echo "setup-python: ready ($("$venv/bin/python" -c 'import wandb; print("wandb", wandb.__version__)'))" >&2
