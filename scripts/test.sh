#!/usr/bin/env bash
# Runs Kumo's whole test suite: builds the test guest (cached), starts a
# throwaway PostgreSQL database if PostgreSQL is installed, then runs
# `go vet` and `go test -race ./...`. Extra arguments go to `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin

scripts/build-test-guest.sh build/guest
export KUMO_TEST_GUEST_DIR=$PWD/build/guest

# PostgreSQL: use the Debian cluster (started as the postgres user).
if [[ -z ${KUMO_TEST_POSTGRES:-} ]] && command -v pg_lsclusters >/dev/null && [[ $(id -u) == 0 ]]; then
	read -r ver name _ < <(pg_lsclusters -h | head -n1) || true
	if [[ -n ${ver:-} ]]; then
		pg_ctlcluster "$ver" "$name" start 2>/dev/null || true
		port=$(pg_lsclusters -h | awk -v v="$ver" -v n="$name" '$1==v && $2==n {print $3}')
		runuser -u postgres -- psql -p "$port" -qc "DROP DATABASE IF EXISTS kumo_test" >/dev/null
		runuser -u postgres -- psql -p "$port" -qc "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='kumo') THEN CREATE ROLE kumo LOGIN PASSWORD 'kumo'; END IF; END\$\$" >/dev/null
		runuser -u postgres -- psql -p "$port" -qc "CREATE DATABASE kumo_test OWNER kumo" >/dev/null
		export KUMO_TEST_POSTGRES="postgres://kumo:kumo@127.0.0.1:$port/kumo_test?sslmode=disable"
	fi
fi

# Tools the tests use when present are required here (CI runs this).
export KUMO_REDOCLY=${KUMO_REDOCLY:-/opt/redocly/node_modules/.bin/redocly}
go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [[ -n $unformatted ]]; then
	echo "not gofmt'ed: $unformatted" >&2
	exit 1
fi
# The Debian package: built, installed with dpkg and checked (as root with
# dpkg at hand, as in CI; KUMO_SKIP_PACKAGE=1 skips it).
if [[ $(id -u) == 0 ]] && command -v dpkg >/dev/null && [[ -z ${KUMO_SKIP_PACKAGE:-} ]]; then
	scripts/check-package.sh
fi
# -p 1: the end-to-end tests boot real guests; on two cores, running the
# packages one at a time keeps them from starving each other.
go test -race -p 1 -timeout 30m "$@" ./...
