#!/usr/bin/env bash
# Builds MinIO, the S3 server the object-store tests run against (it checks SigV4 signatures and
# presigned-URL expiry, and does SSE-KMS with a static key), from the Go module proxy into
# .cache/tools/bin/minio (scripts/go-tool.sh). The pinned pseudo-version is the last one the
# proxy lists (the upstream repository publishes no semver tags). Idempotent: a stamp records the
# version built; when it matches, nothing is done. A clean build takes about 5 minutes on 2 cores.
# Usage: scripts/setup-minio.sh [--force]
set -euo pipefail

version="v0.0.0-20260212201848-7aac2a2c5b7c"
module="github.com/minio/minio"

source "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh"

check_tool() {
  "$1" --version >/dev/null 2>&1
}

install_go_tool minio "$module" "$version" "${1:-}"
