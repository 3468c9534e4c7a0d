#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: install what Kumo needs, build
# and install the kumo Debian package (only when this checkout's version is
# not installed yet), and run the all-in-one server (control plane + local
# host agent + embedded SQLite, data in /var/lib/kumo): as the systemd
# service kumo-server where systemd runs, in the foreground where it does
# not. Extra arguments go to `kumo server` (under systemd: put them in
# KUMO_SERVER_ARGS in /etc/default/kumo).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
scripts/install-deps.sh
want=$(scripts/package.sh --version)
have=$(dpkg-query -W -f='${Version}' kumo 2>/dev/null || true)
if [[ $have != "$want" ]]; then
	deb=$(scripts/package.sh build)
	dpkg -i "$deb"
else
	echo "kumo $want is installed already"
fi
if [[ -d /run/systemd/system ]]; then
	if (($#)); then
		echo "kumo-up: under systemd, put server flags in KUMO_SERVER_ARGS in /etc/default/kumo" >&2
		exit 2
	fi
	systemctl enable --now kumo-server.service
	systemctl --no-pager status kumo-server.service | head -n 5
	echo "On its first start the server logs the admin password once: journalctl -u kumo-server | grep -A2 'First start'"
	exit 0
fi
exec /usr/bin/kumo server --data-dir /var/lib/kumo "$@"
