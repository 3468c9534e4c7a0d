#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: install what Kumo needs, build
# it, and run the all-in-one server (control plane + local host agent +
# embedded SQLite). Extra arguments go to `kumo server`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
scripts/install-deps.sh
go build -o kumo ./cmd/kumo
exec ./kumo server "$@"
