#!/usr/bin/env bash
# package.sh [OUTDIR]: builds the kumo binary (once, with its version
# stamped in) and the kumo Debian package with nfpm into OUTDIR (default
# build), and prints the package's path. KUMO_VERSION overrides the
# version (default 0.0.0~git<commit time>.<commit>, .dirty when the work
# tree has changes). package.sh --version prints the version only.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
out=${1:-build}
nfpm=github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0
if [[ -z ${KUMO_VERSION:-} ]]; then
	rev=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
	when=$(git log -1 --format=%cd --date=format:%Y%m%d%H%M%S 2>/dev/null || date -u +%Y%m%d%H%M%S)
	KUMO_VERSION=0.0.0~git$when.$rev
	if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then
		KUMO_VERSION+=.dirty
	fi
fi
export KUMO_VERSION
if [[ $out == --version ]]; then
	echo "$KUMO_VERSION"
	exit 0
fi
mkdir -p build/package "$out"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/kumo-cloud/kumo/internal/version.Version=$KUMO_VERSION" \
	-o build/package/kumo ./cmd/kumo
deb=$out/kumo_${KUMO_VERSION}_amd64.deb
rm -f "$deb"
go run "$nfpm" package --config packaging/nfpm.yaml --packager deb --target "$deb" >&2
echo "$deb"
