#!/usr/bin/env bash
# Installs the tools e2e/terraform.e2e.test.ts checks the Terraform modules under deploy/terraform
# with, without a cloud account and without the Terraform registry (which CI machines cannot reach):
#   hclfmt   HCL's own formatter (github.com/hashicorp/hcl/v2/cmd/hclfmt), from the Go module proxy
#            into .cache/tools/bin/hclfmt: the canonical formatting `terraform fmt` and `tofu fmt`
#            apply (both are hclwrite.Format). OpenTofu itself builds from the proxy too (v1.12.6:
#            about 6.5 min of CPU on a fresh machine), but on CI's two cores that build slowed every
#            suite running beside it, and without the registry's providers it can do no more than fmt.
#   checkov  from PyPI, in its own virtualenv .cache/checkov-venv (its pinned dependencies would
#            clash with the wandb client's in .cache/venv)
#   schemas  the aws (6.25.0), kubernetes (2.38.0), helm (2.17.0), random (3.7.2) and tls (4.1.0)
#            providers' schemas, as jsii assemblies from npm, in .cache/terraform-schemas
# Idempotent: a stamp per tool records the version installed; when it matches, nothing is done.
# Usage: scripts/setup-terraform-tools.sh [--force]
set -euo pipefail

checkov_version="3.3.30"
force="${1:-}"
python="${PYTHON:-python3}"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$repo_root/.cache/tools/bin"
venv="$repo_root/.cache/checkov-venv"
mkdir -p "$bin_dir"

# --- hclfmt (first: install_go_tool defines its own fail, replaced below) -----------------------
check_tool() { "$1" -version >/dev/null 2>&1; }
source "$repo_root/scripts/go-tool.sh"
install_go_tool hclfmt github.com/hashicorp/hcl/v2/cmd/hclfmt v2.25.0 "$force"

fail() {
  echo "setup-terraform-tools: $*" >&2
  exit 1
}

# Runs "$@" with its output in a log; on failure prints the log's tail and fails with $1's label.
logged() {
  local label="$1" log
  shift
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -f "$log"
    fail "$label failed (output above)"
  fi
  rm -f "$log"
}

# --- checkov ----------------------------------------------------------------------------------
# The stamp covers the checkov version and the interpreter that built the venv (like
# scripts/setup-python.sh), so a Python upgrade rebuilds it.
command -v "$python" >/dev/null 2>&1 || fail "$python not found; install Python 3.10+ (Debian: apt-get install python3 python3-venv)"
checkov_stamp="$venv/.ballast-checkov.version"
wanted="checkov==$checkov_version python $("$python" -c 'import sys; print(sys.version.split()[0])')"
if [ "$force" = "--force" ] || [ ! -x "$venv/bin/checkov" ] || [ "$(cat "$checkov_stamp" 2>/dev/null)" != "$wanted" ]; then
  # Debian splits ensurepip (needed by `python3 -m venv`) into python3-venv / python3.X-venv.
  # scripts/test-all.sh runs this in the background while its other setup scripts run apt-get:
  # wait for their lock rather than fail on it.
  if ! "$python" -c 'import ensurepip' >/dev/null 2>&1; then
    version="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "setup-terraform-tools: installing python3-venv (ensurepip is missing)" >&2
      apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
      "${apt[@]}" update -qq >/dev/null || fail "apt-get update failed"
      "${apt[@]}" install -y -qq "python$version-venv" >/dev/null 2>&1 ||
        "${apt[@]}" install -y -qq python3-venv >/dev/null ||
        fail "apt-get install python3-venv failed"
    else
      fail "$python has no ensurepip; install it first: sudo apt-get install python$version-venv"
    fi
  fi
  started=$SECONDS
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  logged "creating the virtualenv $venv" "$python" -m venv "$venv"
  echo "setup-terraform-tools: installing checkov $checkov_version into .cache/checkov-venv" >&2
  logged "pip install checkov==$checkov_version" \
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "checkov==$checkov_version"
  [ "$("$venv/bin/checkov" --version 2>/dev/null)" = "$checkov_version" ] ||
    fail "the installed checkov does not report $checkov_version: $("$venv/bin/checkov" --version 2>&1 | tail -n 5)"
  echo "$wanted" >"$checkov_stamp"
  echo "setup-terraform-tools: checkov ready in $((SECONDS - started)) s" >&2
fi

# --- provider schemas -----------------------------------------------------------------------
# `tofu validate` / `terraform validate` need the providers, which only the Terraform registry serves. Their schemas also
# ship in HashiCorp's prebuilt CDK for Terraform bindings on npm, as jsii assemblies (.jsii), which
# scripts/terraform/provider-schema.ts reads. Pinned: package@version (provider version) integrity.
schemas="$repo_root/.cache/terraform-schemas"
mkdir -p "$schemas"
while read -r package version integrity; do
  file="$schemas/${package#@cdktf/}@$version.jsii"
  [ "$force" != "--force" ] && [ -s "$file" ] && continue
  dir="$(mktemp -d)"
  tarball="$dir/package.tgz"
  logged "downloading $package@$version" curl -fsSL --retry 3 -o "$tarball" \
    "https://registry.npmjs.org/$package/-/${package#@cdktf/}-$version.tgz"
  actual="$("$python" -c 'import base64, hashlib, sys; print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tarball")"
  [ "$actual" = "$integrity" ] || fail "$package@$version: integrity $actual, expected $integrity"
  tar -xzf "$tarball" -C "$dir" package/.jsii
  mv "$dir/package/.jsii" "$file"
  rm -rf "$dir"
done <<'PINS'
@cdktf/provider-aws 21.22.1 sha512-BuSHeaQFUL9l33pBzIMRT7cTQ69AM2mLtijjteCPhVQRmvuhuj9Lvfymf7knAMhYqAT6+Lrls9jiGVW/Us3zrQ==
@cdktf/provider-kubernetes 12.1.1 sha512-faZ/zydCsDBYwXqq3douhxSf8KFJfTUixYDr5hg0uCA8FExRK3+w27JUrt6gAVHFBuOVsKthObdqtTmP3PzQSQ==
@cdktf/provider-helm 11.0.0 sha512-mILgxlLBrqPHADwJw5eHZUDgXWKEtci8A4BXGB+u1i//+6GZahuaN+frOS1eBeDMZ+HOSXWL1BgEXrY4Gbv36w==
@cdktf/provider-random 12.0.1 sha512-yE9fteVRxekOl6MhJeM6sac1VkljCwGFrZxozq0aE11zTBmB4oQBr3nk9Z1A2C5C3IB/0jKmabYDNPqgrZDfNw==
@cdktf/provider-tls 11.0.1 sha512-8b7nKJUzLDxGEHOuXo5WcpFGg7g4rQqol6f1YjCJoQD5o3AA68hjMpfWJ6yy85DJekyjA0/idYbeINlOmrd4EQ==
PINS

echo "setup-terraform-tools: hclfmt (hcl $(cat "$bin_dir/hclfmt.version")) at .cache/tools/bin/hclfmt;" \
  "checkov $("$venv/bin/checkov" --version) at .cache/checkov-venv/bin/checkov" >&2
