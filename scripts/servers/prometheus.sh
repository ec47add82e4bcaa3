#!/usr/bin/env bash
# Prometheus 2.x and promtool (Debian's prometheus) for the prometheus source kind's tests. Nothing is
# started here: test/services/prometheus.ts runs a private server per test file.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  prometheus --version 2>&1 | head -1
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends prometheus
# The package enables a systemd unit; containers have no systemd, so nothing runs. Stop it where one does.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then systemctl disable --now prometheus || true; fi
prometheus --version 2>&1 | head -1
