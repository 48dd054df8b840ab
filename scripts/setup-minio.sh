#!/usr/bin/env bash
# Builds MinIO, the S3 server the object-store tests run against (it checks SigV4 signatures and
# presigned-URL expiry, and does SSE-KMS with a static key), from the Go module proxy into
# .cache/tools/bin/minio (repo-relative, gitignored). The pinned pseudo-version is the last one the
# proxy lists (the upstream repository publishes no semver tags). Idempotent: a stamp records the
# version built; when it matches, nothing is done. A clean build takes about 5 minutes on 2 cores.
# Usage: scripts/setup-minio.sh [--force]
set -euo pipefail

version="v0.0.0-20260212201848-7aac2a2c5b7c"
module="github.com/minio/minio"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$repo_root/.cache/tools/bin"
stamp="$bin_dir/minio.version"

fail() {
  echo "setup-minio: $*" >&2
  exit 1
}

if [ "${1:-}" != "--force" ] && [ -x "$bin_dir/minio" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
  exit 0
fi

command -v go >/dev/null 2>&1 || fail "go not found; install Go 1.24+ (https://go.dev/dl/ or Debian's golang)"

mkdir -p "$bin_dir"
rm -f "$stamp"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "setup-minio: building $module@$version with $(go version | cut -d' ' -f3) (a few minutes)" >&2
started=$SECONDS
if ! GOBIN="$bin_dir" GOFLAGS=-buildvcs=false go install "$module@$version" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  fail "go install $module@$version failed (output above)"
fi
"$bin_dir/minio" --version >/dev/null 2>&1 || fail "the built minio does not run"
echo "$version" >"$stamp"
echo "setup-minio: ready in $((SECONDS - started)) s ($bin_dir/minio)" >&2
