#!/bin/sh
# Debian post-remove: stop the unit; the data directory (/var/lib/sentinel) is kept.
set -e
systemctl disable --now sentinel-kiosk.service 2>/dev/null || true
rm -f /etc/systemd/system/sentinel-kiosk.service /etc/udev/rules.d/99-sentinel-devices.rules
systemctl daemon-reload 2>/dev/null || true
exit 0
