#!/usr/bin/env bash
# check-package.sh: builds the kumo Debian package, installs it with dpkg
# and checks what it installed: the binary answers with the package's
# version, and the systemd units are in place, valid, and stop only kumo
# (KillMode=process), so VMs outlive a restart. Run as root (scripts/test.sh
# runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(scripts/package.sh build)
version=$(dpkg-deb -f "$deb" Version)
dpkg -i "$deb" >/dev/null
fail() {
	echo "check-package: $*" >&2
	exit 1
}
[[ $(dpkg-query -W -f='${Status} ${Version}' kumo) == "install ok installed $version" ]] ||
	fail "dpkg does not have kumo $version installed"
got=$(/usr/bin/kumo version)
[[ $got == "kumo $version" ]] || fail "kumo version says '$got', want 'kumo $version'"
for unit in kumo-server kumo-agent; do
	f=/lib/systemd/system/$unit.service
	[[ -f $f ]] || fail "$f is missing"
	grep -qx 'KillMode=process' "$f" || fail "$f does not say KillMode=process"
	grep -q '^ExecStart=/usr/bin/kumo ' "$f" || fail "$f does not start /usr/bin/kumo"
	if command -v systemd-analyze >/dev/null; then
		systemd-analyze verify "$f" || fail "systemd-analyze verify $f"
	fi
done
[[ -f /etc/default/kumo ]] || fail "/etc/default/kumo is missing"
echo "check-package: kumo $version installed from $deb; units in place"
