#!/bin/sh
# Debian post-install: the kiosk user, device access, the systemd unit.
set -e
RES=/opt/Sentinel/resources/linux
if ! id sentinel >/dev/null 2>&1; then
  useradd --system --create-home --home-dir /var/lib/sentinel --shell /usr/sbin/nologin sentinel
fi
usermod -aG dialout,plugdev,video,input,render sentinel 2>/dev/null || usermod -aG dialout,plugdev,video,input sentinel
install -m 0644 "$RES/99-sentinel-devices.rules" /etc/udev/rules.d/99-sentinel-devices.rules
install -m 0644 "$RES/sentinel-kiosk.service" /etc/systemd/system/sentinel-kiosk.service
[ -f /etc/default/sentinel-kiosk ] || install -m 0644 "$RES/sentinel-kiosk.default" /etc/default/sentinel-kiosk
udevadm control --reload 2>/dev/null || true
udevadm trigger 2>/dev/null || true
systemctl daemon-reload 2>/dev/null || true
systemctl enable sentinel-kiosk.service 2>/dev/null || true
# An update: the running kiosk restarts on the new version (a first install waits for boot).
systemctl try-restart sentinel-kiosk.service 2>/dev/null || true
# Ubuntu 24.04+: unprivileged user namespaces are restricted by AppArmor; the
# deb runs with Chromium's setuid sandbox, the AppImage needs a profile (README).
exit 0
