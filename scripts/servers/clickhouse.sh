#!/usr/bin/env bash
# ClickHouse (Debian's clickhouse-server and clickhouse-client, 18.16 on bookworm) for the clickhouse
# source kind's tests and bench. Nothing is started here: test/services/clickhouse.ts runs a private
# server per test file from a copy of /etc/clickhouse-server's config.
set -euo pipefail
if command -v clickhouse-server >/dev/null 2>&1 && command -v clickhouse-client >/dev/null 2>&1 && [ -f /etc/clickhouse-server/config.xml ]; then
  echo "clickhouse present: $(clickhouse-client --version 2>/dev/null | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends clickhouse-server clickhouse-client
# The package may enable a service; containers have no systemd, so nothing runs. Stop it where one does.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet clickhouse-server 2>/dev/null; then systemctl disable --now clickhouse-server || true; fi
clickhouse-client --version | head -1
