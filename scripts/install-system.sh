#!/usr/bin/env bash
# Debian packages the host and UI tests need: Chromium (driven by playwright-core) with fonts for
# readable screenshots, the Kerberos headers and a compiler for code-server's native addons, and
# ripgrep (code-server's search binary, which it would otherwise download from GitHub).
# Idempotent: skips apt entirely when everything is already installed.
set -euo pipefail

packages=(chromium fonts-liberation fonts-dejavu-core libkrb5-dev ripgrep build-essential python3)

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

if [ "$(id -u)" -ne 0 ]; then
  echo "install-system: missing ${missing[*]}; run this script as root" >&2
  exit 1
fi

echo "install-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${missing[@]}"
