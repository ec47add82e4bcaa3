#!/usr/bin/env bash
# InfluxDB 1.x (Debian's influxdb) for the influxdb source kind's tests. Nothing is started here:
# test/services/influxdb.ts runs a private influxd per test file.
set -euo pipefail
if command -v influxd >/dev/null 2>&1; then
  echo "influxd present: $(influxd version 2>/dev/null | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends influxdb
# The package enables a systemd unit; containers have no systemd, so nothing runs. Stop it where one does.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet influxdb 2>/dev/null; then systemctl disable --now influxdb || true; fi
influxd version | head -1
