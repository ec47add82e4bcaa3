#!/usr/bin/env bash
# Debian packages the host and UI tests need: Chromium (driven by playwright-core) with fonts for
# readable screenshots, the Kerberos headers and a compiler for code-server's native addons, and
# ripgrep (code-server's search binary, which it would otherwise download from GitHub), and the
# servers the driver tests start privately (PostgreSQL 15 with wal2json, MariaDB, Redis, RabbitMQ,
# Mosquitto, NATS), and kcat (the reference client of the Kafka bench).
# Idempotent: skips apt entirely when everything is already installed. Under CI=true a failure is
# fatal; elsewhere it is a warning and the host/UI tests skip themselves, saying what is missing.
set -euo pipefail

packages=(chromium fonts-liberation fonts-dejavu-core libkrb5-dev ripgrep build-essential python3
  postgresql-15 postgresql-15-wal2json mariadb-server redis-server rabbitmq-server mosquitto nats-server kcat)

give_up() {
  echo "install-system: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "install-system: continuing; the extension-host, UI and database tests will be skipped" >&2
  exit 0
}

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system: all present (${packages[*]})"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    give_up "missing ${missing[*]}; run this script as root"
  fi
fi

echo "install-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q || give_up "apt-get update failed"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" || give_up "apt-get install failed"
