#!/bin/sh
# Tell systemd about the units where it runs; never start them here: the
# operator picks the server or the agent (see /usr/share/doc/kumo/README.md).
set -e
install -d -m 0700 /var/lib/kumo
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
