#!/usr/bin/env bash
# Installs the Debian packages Kumo and its tests need. Run as root on
# Debian 12. Go 1.26 must already be installed (it is not in Debian 12).
#   qemu-system-x86 qemu-utils: the hypervisor and qemu-img
#   busybox-static ... qemu-guest-agent: what the test guest is built from
#   postgresql: the store's tests run on PostgreSQL as well as SQLite
#   slapd ldap-utils: the ZStack LDAP tests run their own OpenLDAP server
#   openipmi: ipmi_sim, the BMC the bare metal tests power on and off
# and, from the npm registry, @redocly/cli in /opt/redocly: the OpenAPI
# document of /v1 is linted by the tests.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
	qemu-system-x86 qemu-utils
	busybox-static syslinux syslinux-common isolinux mtools dosfstools cpio genisoimage
	linux-image-cloud-amd64 qemu-guest-agent
	postgresql ca-certificates
	slapd ldap-utils
	openipmi
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
fi
if ! command -v go >/dev/null; then
	echo "Go 1.26 or newer is required: install it to /usr/local/go and put /usr/local/go/bin on PATH" >&2
	exit 1
fi
redocly_version=2.77.0
if [[ $(/opt/redocly/node_modules/.bin/redocly --version 2>/dev/null | head -n1) != "$redocly_version" ]]; then
	if ! command -v npm >/dev/null; then
		echo "npm is required (Node 20): it installs @redocly/cli, which lints the OpenAPI document" >&2
		exit 1
	fi
	mkdir -p /opt/redocly
	npm install --prefix /opt/redocly --no-audit --no-fund --loglevel=error "@redocly/cli@$redocly_version"
fi
